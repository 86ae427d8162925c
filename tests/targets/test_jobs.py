"""The ``dast.scan`` job run by the app's embedded workers, end to end: against the
vulnerable test app, against small loopback sites, and against targets the policy
refuses at scan time. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from bastion.db.models.findings import ScanType, SecurityFinding
from bastion.db.session import read_session
from bastion.jobs.base import JobRegistry, JobSpec, JobStatus, Resources
from bastion.jobs.embedded import EmbeddedQueue
from bastion.jobs.store import JobStore
from bastion.targets.config import DAST_SETTINGS, DastSettings
from bastion.targets.jobs import DAST_SCAN_JOB, INCOMPLETE, _end_incomplete, run_dast_scan
from tests.support.dast_app import dast_app_url
from tests.targets.conftest import BASE, MakeClient
from tests.targets.support import FakeDns, serving

__all__ = ["dast_app_url"]

ENDED = {"completed", "failed", "cancelled"}


def create(client: TestClient, url: str, **fields: Any) -> str:
    response = client.post(BASE, json={"url": url, **fields})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def analyze(client: TestClient, target_id: str) -> str:
    response = client.post(f"{BASE}/{target_id}/analyze")
    assert response.status_code == 202, response.text
    return str(response.json()["scanId"])


def scan_of(client: TestClient, target_id: str, scan_id: str) -> dict[str, Any]:
    response = client.get(f"{BASE}/{target_id}/scans/{scan_id}")
    assert response.status_code == 200, response.text
    scan: dict[str, Any] = response.json()
    return scan


def wait_for(
    client: TestClient, target_id: str, scan_id: str, until: Any, timeout: float = 60.0
) -> dict[str, Any]:
    """The scan once ``until(scan)`` holds; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        scan = scan_of(client, target_id, scan_id)
        if until(scan):
            return scan
        assert time.monotonic() < deadline, f"scan never got there: {scan}"
        time.sleep(0.05)


def ended(scan: dict[str, Any]) -> bool:
    return scan["status"] in ENDED


def findings_of(engine: Engine, target_id: str) -> int:
    with read_session(engine) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(SecurityFinding)
                .where(
                    SecurityFinding.target_id == uuid.UUID(target_id),
                    SecurityFinding.scan_type == ScanType.DAST.value,
                )
            )
            or 0
        )


def test_a_scan_of_the_test_app_completes_with_findings(
    make_client: MakeClient, engine: Engine, dast_app_url: str
) -> None:
    client = make_client(workers=True)
    target_id = create(client, f"{dast_app_url}/")
    scan_id = analyze(client, target_id)
    scan = wait_for(client, target_id, scan_id, ended)

    assert scan["status"] == "completed", scan
    assert scan["error"] is None
    assert scan["phase"] == "finished"
    assert scan["progressPercent"] == 100
    assert scan["pinnedAddress"] == "127.0.0.1"
    assert scan["startedAt"] is not None
    assert scan["finishedAt"] >= scan["startedAt"] >= scan["createdAt"]
    assert scan["findingsCount"] > 0
    assert sum(scan["counts"].values()) == scan["findingsCount"]
    assert set(scan["counts"]) == {"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"}
    assert scan["stats"]["stop_reason"] in {"completed", "request budget", "time budget"}
    assert 0 < scan["stats"]["requests"] <= 150 + 3  # the budget, plus a few retries
    assert scan["progress"]["requests"] == scan["stats"]["requests"]
    assert scan["progress"]["findings"] == scan["findingsCount"]
    # The findings store has them, as findings of this target.
    assert 0 < findings_of(engine, target_id) <= scan["findingsCount"]
    # The finished scan no longer blocks a new one.
    assert analyze(client, target_id) != scan_id


ITEMS_API = {
    "openapi": "3.0.3",
    "info": {"title": "items", "version": "1"},
    "paths": {
        "/api/items/{id}": {
            "get": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {"200": {"description": "an item"}},
            }
        }
    },
}


@pytest.mark.parametrize("source", ["inline", "url"])
def test_an_api_target_is_scanned_with_its_definition_and_authentication(
    make_client: MakeClient, source: str
) -> None:
    with serving(documents={"/openapi.json": ITEMS_API}) as site:
        client = make_client(workers=True)
        definition: dict[str, Any] = (
            {"openapiDefinition": ITEMS_API}
            if source == "inline"
            else {"openapiUrl": f"{site.url}/openapi.json"}
        )
        target_id = create(
            client,
            f"{site.url}/",
            type="api",
            authHeaders={"Authorization": "Bearer t0k3n", "Cookie": "session=abc"},
            **definition,
        )
        scan = wait_for(client, target_id, analyze(client, target_id), ended)
    assert scan["status"] == "completed", scan
    paths = {hit.split()[0] for hit in site.hits}
    # Operations come from the definition only: no page links to them.
    assert any(path.startswith("/api/items/") for path in paths), paths
    assert ("/openapi.json" in paths) is (source == "url")
    # Every request carried the decrypted authentication; the cookie as a cookie.
    assert all(h.get("authorization") == "Bearer t0k3n" for h in site.headers)
    assert all("session=abc" in h.get("cookie", "") for h in site.headers)


def test_progress_is_written_while_a_scan_runs_and_deleting_the_target_stops_it(
    make_client: MakeClient, engine: Engine
) -> None:
    # A slow site with many pages: the scan runs long enough to be watched and stopped.
    with serving(links=200, delay=0.05) as site:
        client = make_client(workers=True, max_requests=2000)
        target_id = create(client, f"{site.url}/")
        scan_id = analyze(client, target_id)
        running = wait_for(
            client,
            target_id,
            scan_id,
            lambda s: ended(s) or (s["status"] == "running" and s["progress"]["requests"] > 0),
        )
        assert running["status"] == "running", running
        assert running["phase"] in {"crawling", "testing"}
        assert running["pinnedAddress"] == "127.0.0.1"
        assert 0 <= running["progressPercent"] < 100
        assert running["startedAt"] is not None

        assert client.delete(f"{BASE}/{target_id}").status_code == 204
        requests_at_delete = len(site.hits)
        job_id = _job_id(engine, scan_id)
        store = JobStore(engine)
        deadline = time.monotonic() + 15
        while (job := store.get(job_id)) is not None and job.status is not JobStatus.DONE:
            assert time.monotonic() < deadline, job
            time.sleep(0.05)
        # The scan stopped within a few seconds and stayed cancelled.
        assert len(site.hits) < requests_at_delete + 200
        scan = scan_of(client, target_id, scan_id)
        assert scan["status"] == "cancelled"
        assert scan["error"] == "cancelled: the target was deleted"
        assert findings_of(engine, target_id) == 0


def test_dns_rebinding_after_the_pin_does_not_move_the_scan(
    make_client: MakeClient, dns: FakeDns
) -> None:
    with serving(links=3) as site:
        # Creation and the scan's pin see 127.0.0.1 (allowed); any later look-up would
        # see a forbidden address.
        dns.answers["rebind.example"] = [["127.0.0.1"], ["127.0.0.1"], ["10.0.0.1"]]
        client = make_client(workers=True)
        url = f"http://rebind.example:{site.port}/"
        target_id = create(client, url)
        scan = wait_for(client, target_id, analyze(client, target_id), ended)
    assert scan["status"] == "completed", scan
    assert scan["pinnedAddress"] == "127.0.0.1"
    assert dns.calls.count("rebind.example") == 2
    assert site.hits
    assert all(hit.endswith(f"host=rebind.example:{site.port}") for hit in site.hits)


def test_a_target_refused_at_scan_time_fails_with_the_reason(
    make_client: MakeClient, engine: Engine, dns: FakeDns
) -> None:
    # Allowed when created; by scan time the name points at a private address.
    dns.answers["flip.example"] = [["127.0.0.1"], ["10.0.0.1"]]
    client = make_client(workers=True)
    target_id = create(client, "http://flip.example:8080/")
    scan = wait_for(client, target_id, analyze(client, target_id), ended)
    assert scan["status"] == "failed"
    assert scan["error"].startswith("flip.example resolves to 10.0.0.1, a private address")
    assert "BASTION_DAST_ALLOWED_NETWORKS" in scan["error"]
    assert scan["finishedAt"] is not None
    assert scan["pinnedAddress"] is None
    assert findings_of(engine, target_id) == 0


def test_an_unreachable_target_fails_without_recording_findings(
    make_client: MakeClient, engine: Engine
) -> None:
    with serving() as site:
        url = f"{site.url}/"
    # The site is gone: connections to its port are refused.
    client = make_client(workers=True)
    target_id = create(client, url)
    scan = wait_for(client, target_id, analyze(client, target_id), ended)
    assert scan["status"] == "failed"
    assert scan["error"].startswith("target unreachable: connection failed")
    assert scan["stats"]["stop_reason"] == scan["error"]
    assert findings_of(engine, target_id) == 0


def test_a_scan_past_its_time_limit_ends_failed_as_incomplete(
    make_client: MakeClient, engine: Engine, dast_settings: DastSettings
) -> None:
    with serving(links=200, delay=0.05) as site:
        client = make_client()  # no workers: the scan waits for the queue below
        target_id = create(client, f"{site.url}/")
        scan_id = analyze(client, target_id)
        registry = JobRegistry()
        registry.register(
            JobSpec(DAST_SCAN_JOB, run_dast_scan, time_limit=1.0, on_give_up=_end_incomplete)
        )
        queue = EmbeddedQueue(
            engine,
            registry=registry,
            resources=Resources({DAST_SETTINGS: dast_settings}),
            threads=1,
            poll_interval=0.05,
        )
        queue.start()
        try:
            scan = wait_for(client, target_id, scan_id, ended, timeout=20)
            handlers = [t for worker in queue.workers for t in worker.abandoned]
        finally:
            queue.stop()
        assert scan["status"] == "failed"
        assert scan["error"] == INCOMPLETE
        assert findings_of(engine, target_id) == 0
        assert JobStore(engine).get(_job_id(engine, scan_id)).status is JobStatus.TIMED_OUT  # type: ignore[union-attr]
        # The abandoned handler noticed and stopped its scan, without changing the outcome.
        _join(handlers, timeout=10)
        assert scan_of(client, target_id, scan_id)["status"] == "failed"


def _join(threads: list[threading.Thread], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
        assert not thread.is_alive(), "the timed-out handler kept running"


def _job_id(engine: Engine, scan_id: str) -> str:
    from bastion.db.models.dast import DastScan  # noqa: PLC0415

    with read_session(engine) as session:
        job_id = session.scalar(select(DastScan.job_id).where(DastScan.id == uuid.UUID(scan_id)))
    assert job_id is not None
    return job_id


def _run_queued_with_environment_settings(engine: Engine, until: Any) -> None:
    """Run queued jobs on workers given no DAST settings, as Celery workers and
    ``bastion worker`` are: they read the environment."""
    queue = EmbeddedQueue(engine, resources=Resources(), threads=1, poll_interval=0.05)
    queue.start()
    try:
        until()
    finally:
        queue.stop()


def test_workers_without_settings_read_the_environment(
    make_client: MakeClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASTION_DAST_ALLOWED_NETWORKS", "10.0.0.0/8, 127.0.0.1")
    with serving(links=2) as site:
        client = make_client()  # no workers of its own
        target_id = create(client, f"{site.url}/")
        scan_id = analyze(client, target_id)
        scans: list[dict[str, Any]] = []
        _run_queued_with_environment_settings(
            engine, lambda: scans.append(wait_for(client, target_id, scan_id, ended))
        )
    assert scans[0]["status"] == "completed", scans[0]
    assert site.hits


def test_a_broken_allow_list_fails_the_scan_with_the_operators_message(
    make_client: MakeClient, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASTION_DAST_ALLOWED_NETWORKS", "127.0.0.1, localhost:8080")
    client = make_client()
    target_id = create(client, "http://127.0.0.1:9/")
    scan_id = analyze(client, target_id)
    scans: list[dict[str, Any]] = []
    _run_queued_with_environment_settings(
        engine, lambda: scans.append(wait_for(client, target_id, scan_id, ended))
    )
    assert scans[0]["status"] == "failed"
    assert scans[0]["error"].startswith("BASTION_DAST_ALLOWED_NETWORKS: 'localhost:8080'")

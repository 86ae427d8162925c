"""Requesting scans, reusing active ones, and reading them back in SPEC §2's shape."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from bastion.db.models.jobs import JobStatus
from bastion.db.models.scans import ScanFinding, ScanReport
from bastion.db.session import read_session, write_session
from bastion.jobs.base import Payload, Resources, load_registry
from bastion.jobs.embedded import EmbeddedQueue
from bastion.jobs.ratelimit import RateLimiter
from bastion.jobs.store import JobStore
from bastion.scans import repository
from bastion.scans.errors import RateLimited, ScanNotFound
from bastion.scans.jobs import SCAN_EXECUTOR, SCAN_JOB
from bastion.scans.schemas import ScanAccepted, ScanSucceeded
from bastion.scans.service import ScanService, ScanTicket
from tests.scans.support import SHA, instant, target, vulnerable_result
from tests.support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db_engine: Engine, clock: FakeClock) -> JobStore:
    return JobStore(db_engine, clock=clock, registry=load_registry())


@pytest.fixture
def service(db_engine: Engine, store: JobStore, clock: FakeClock) -> ScanService:
    return ScanService(db_engine, store, clock=clock)


def _finish(service: ScanService, ticket: ScanTicket) -> None:
    with write_session(service.engine) as session:
        now = service.clock()
        assert repository.mark_running(session, ticket.scan_id, now) is not None
        assert repository.save_result(
            session, ticket.scan_id, vulnerable_result(), sbom="{}", now=now
        )


def test_request_queues_one_job_with_the_scan_id(service: ScanService, store: JobStore) -> None:
    ticket = service.request(target())
    assert ticket.created
    job = store.claim("w", 30)
    assert job is not None
    assert job.kind == SCAN_JOB
    assert job.payload == {"scan_id": str(ticket.scan_id)}
    assert job.concurrency_key == "installation:7"
    status = service.status(ticket.scan_id)
    assert status.status == "queued"
    assert (status.owner, status.repo, status.sha) == ("acme", "shop", SHA)
    assert status.result is None


def test_same_commit_reuses_the_active_scan(service: ScanService, store: JobStore) -> None:
    first = service.request(target())
    again = service.request(target(owner="ACME", repo="shop", sha=SHA.upper(), ref="v1"))
    assert again == ScanTicket(first.scan_id, created=False)
    assert store.counts()[JobStatus.QUEUED] == 1
    # Another installation, or another commit, is another scan.
    assert service.request(target(installation_id=8)).created
    assert service.request(target(sha="f" * 40)).created


def test_a_finished_scan_is_not_reused(service: ScanService) -> None:
    first = service.request(target())
    _finish(service, first)
    second = service.request(target())
    assert second.created
    assert second.scan_id != first.scan_id


def test_simultaneous_requests_make_one_scan(service: ScanService) -> None:
    barrier = threading.Barrier(8)
    tickets: list[ScanTicket] = []
    lock = threading.Lock()

    def request() -> None:
        barrier.wait()
        ticket = service.request(target())
        with lock:
            tickets.append(ticket)

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({t.scan_id for t in tickets}) == 1
    assert sum(t.created for t in tickets) == 1


def test_the_database_refuses_a_second_active_report(service: ScanService) -> None:
    service.request(target())
    with pytest.raises(Exception, match=r"(?i)unique"), write_session(service.engine) as session:
        repository.create_report(session, target().normalised(), service.clock())


class _BrokenQueue:
    def enqueue(self, kind: str, payload: Payload, concurrency_key: str | None = None) -> str:
        raise ConnectionError("broker down")

    def enqueue_in(
        self, session: Session, kind: str, payload: Payload, concurrency_key: str | None = None
    ) -> str:
        raise ConnectionError("broker down")


def test_a_scan_that_cannot_be_queued_leaves_nothing_behind(
    db_engine: Engine, service: ScanService
) -> None:
    broken = ScanService(db_engine, _BrokenQueue())
    with pytest.raises(ConnectionError):
        broken.request(target())
    # The report and its job are one transaction: no report without a job.
    with read_session(db_engine) as session:
        assert session.scalars(select(ScanReport)).all() == []
    assert service.request(target()).created


def test_a_new_scan_is_one_write_transaction(service: ScanService, store: JobStore) -> None:
    begun: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            begun.append(statement)

    if service.engine.dialect.name != "sqlite":
        pytest.skip("counts SQLite's BEGIN IMMEDIATE")
    event.listen(service.engine, "before_cursor_execute", count)
    try:
        ticket = service.request(target())
    finally:
        event.remove(service.engine, "before_cursor_execute", count)
    assert len(begun) == 1
    job = store.claim("w", 30)
    assert job is not None
    with read_session(service.engine) as session:
        report = session.get(ScanReport, ticket.scan_id)
        assert report is not None
        assert report.job_id == job.id


def test_a_report_never_queued_is_superseded_after_a_while(
    db_engine: Engine, service: ScanService, clock: FakeClock
) -> None:
    # The process died between committing the report and queueing its job.
    with write_session(db_engine) as session:
        orphan = repository.create_report(session, target().normalised(), clock()).id
    assert service.request(target()) == ScanTicket(orphan, created=False)
    clock.advance(timedelta(minutes=3).total_seconds())
    fresh = service.request(target())
    assert fresh.created
    assert service.status(orphan).status == "failed"


def test_finished_scan_in_the_spec_shape(service: ScanService) -> None:
    ticket = service.request(target())
    _finish(service, ticket)
    finished = service.status(ticket.scan_id).result
    assert finished is not None
    body: dict[str, Any] = orjson.loads(
        ScanSucceeded(scan_id=ticket.scan_id, result=finished).model_dump_json()
    )
    assert body["status"] == "success"
    assert body["scan_id"] == str(ticket.scan_id)
    result = body["result"]
    assert list(result) == [
        "conclusion",
        "vulnerability_count",
        "imported_count",
        "total_deps",
        "ecosystems",
        "duration_ms",
        "findings",
    ]
    assert result["conclusion"] == "failure"
    # lodash reached by two paths is one finding, imported because one path is.
    assert result["vulnerability_count"] == 2
    assert result["imported_count"] == 1
    assert result["total_deps"] == 4
    assert result["ecosystems"] == ["PyPI", "npm"]
    assert result["duration_ms"] == 1530
    assert result["findings"] == [
        {
            "package": "lodash",
            "version": "4.17.20",
            "ecosystem": "npm",
            "vulnerability_id": "GHSA-35jh-r3h4-6jhm",
            "severity": "HIGH",
            "is_imported": True,
            "fixed_version": "4.17.21",
        },
        {
            "package": "Django",
            "version": "3.2.0",
            "ecosystem": "PyPI",
            "vulnerability_id": "PYSEC-2021-98",
            "severity": "MEDIUM",
            "is_imported": False,
            "fixed_version": "3.2.4",
        },
    ]
    with read_session(service.engine) as session:
        report = session.get(ScanReport, ticket.scan_id)
        assert report is not None
        assert report.result is not None
        assert orjson.loads(report.result)["total_deps"] == 4
        assert len(repository.list_dependencies(session, ticket.scan_id)) == 3


def test_result_is_stored_once(service: ScanService) -> None:
    ticket = service.request(target())
    _finish(service, ticket)
    with write_session(service.engine) as session:
        assert not repository.save_result(
            session, ticket.scan_id, vulnerable_result(), sbom=None, now=service.clock()
        )
    with read_session(service.engine) as session:
        rows = session.scalars(select(ScanFinding)).all()
    assert len(rows) == 2


def test_unknown_or_foreign_scan_is_not_found(service: ScanService) -> None:
    ticket = service.request(target())
    assert service.status(ticket.scan_id, installation_id=7).scan_id == ticket.scan_id
    with pytest.raises(ScanNotFound):
        service.status(ticket.scan_id, installation_id=8)
    with pytest.raises(ScanNotFound):
        service.sbom(ticket.scan_id)  # not finished: no SBOM yet


def test_request_and_wait_answers_200_when_the_scan_is_quick(db_engine: Engine) -> None:
    queue = EmbeddedQueue(
        db_engine, resources=Resources({SCAN_EXECUTOR: instant}), threads=1, poll_interval=0.05
    )
    service = ScanService(db_engine, queue)
    with queue:
        response = service.request_and_wait(target(), wait_seconds=20)
    assert isinstance(response, ScanSucceeded)
    assert response.result.vulnerability_count == 2


def test_request_and_wait_answers_202_when_no_worker_gets_to_it(service: ScanService) -> None:
    response = service.request_and_wait(target(), wait_seconds=0.2, poll_interval=0.05)
    assert isinstance(response, ScanAccepted)
    assert response.model_dump(mode="json") == {
        "status": "accepted",
        "scan_id": str(response.scan_id),
        "message": "Scan started",
    }


def test_admit_allows_sixty_requests_an_hour(
    db_engine: Engine, store: JobStore, clock: FakeClock
) -> None:
    service = ScanService(db_engine, store, limiter=RateLimiter(db_engine, clock=clock))
    for _ in range(60):
        service.admit(7)
    with pytest.raises(RateLimited) as refused:
        service.admit(7)
    assert refused.value.retry_after == 3600
    assert refused.value.status_code == 429
    service.admit(8)  # another installation has its own budget

"""The multi-machine layout, as real processes: `bastion serve --no-workers` answering the
API, two `bastion worker` processes running the scans through Celery and Redis, all sharing
one PostgreSQL database — the set-up the README describes for several worker machines."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import create_engine, make_url, text

from tests.server.conftest import ACME
from tests.server.test_e2e import NPM_APP, _poll, running_server, server_env, standin
from tests.support.github_standin import GitHubStandin

__all__ = ["standin"]

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    database = f"bastion_celery_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {database}"))
    try:
        yield make_url(postgres_url).set(database=database).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        admin.dispose()


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bastion", "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_scans_run_on_two_celery_workers_beside_a_server_without_workers(
    postgres_database: str,
    redis_url: str,
    tmp_path: Path,
    standin: GitHubStandin,
    github_app_key: rsa.RSAPrivateKey,
) -> None:
    env = server_env(tmp_path, standin.url, github_app_key)
    env.update(DATABASE_URL=postgres_database, BASTION_QUEUE="celery", REDIS_URL=redis_url)
    env["BASTION_SCAN_WAIT"] = "0"
    with running_server(env, tmp_path, "--no-workers") as server:
        workers = [_start_worker(env, tmp_path / f"worker-{n}.log") for n in range(2)]
        try:
            headers = {"api-token": server.token}
            scan_ids = []
            for repo in ("npm-app", "python-app"):
                answer = requests.post(
                    f"{server.url}/api/scan",
                    json={**NPM_APP, "installation_id": ACME, "repo": repo},
                    headers=headers,
                    timeout=30,
                )
                assert answer.status_code == 202, answer.text
                scan_ids.append(answer.json()["scan_id"])
            reports = [_poll(server, scan_id) for scan_id in scan_ids]
            for report in reports:
                assert report["status"] == "success", json.dumps(report)[:2000]
            results = [report["result"] for report in reports]
            # Only npm advisories are imported (running_server), so only npm-app fails.
            assert [r["conclusion"] for r in results] == ["failure", "success"]  # type: ignore[index]
            assert results[0]["vulnerability_count"] > 0  # type: ignore[index]
            ecosystems = [r["ecosystems"] for r in results]  # type: ignore[index]
            assert ecosystems == [["npm"], ["PyPI"]]
            # The server ran no scan itself: both jobs ended in the worker processes.
            worker_logs = "".join(
                (tmp_path / f"worker-{n}.log").read_text(errors="replace") for n in range(2)
            )
            assert worker_logs.count("(sca.scan) done in") == 2, worker_logs[-3000:]
            assert "(sca.scan) done in" not in server.log.read_text(errors="replace")
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for n, worker in enumerate(workers):
                try:
                    assert worker.wait(20) == 0, (tmp_path / f"worker-{n}.log").read_text()
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
                    raise

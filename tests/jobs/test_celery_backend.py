"""The Celery backend against a real Redis and real Celery worker processes: the same
results, concurrency limit, worker-death recovery and time limit as the embedded queue."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine

from bastion.db.engine import make_engine
from bastion.db.models.jobs import JobStatus
from bastion.jobs.backends import make_backend
from bastion.jobs.base import JobError
from bastion.jobs.celery_backend import CeleryQueue
from bastion.jobs.settings import JobSettings
from bastion.jobs.store import JobStore
from bastion.scans.jobs import INCOMPLETE
from bastion.scans.service import ScanService
from tests.scans.support import target
from tests.support.paths import REPO_ROOT

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(
    condition: Callable[[], bool], what: str, timeout: float = 60.0, *, procs: list[Worker]
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for proc in procs:
            assert proc.process.poll() is None, f"worker exited early: {proc.log()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def broker(redis_url: str) -> Iterator[str]:
    """The session's Redis, emptied after each test so no wake-up leaks into the next."""
    yield redis_url
    port = urlsplit(redis_url).port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(b"FLUSHALL\r\n")
        conn.recv(16)


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "bastion.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine_for(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def queue(engine_for: Engine, broker: str) -> Iterator[CeleryQueue]:
    backend = make_backend(engine_for, JobSettings(BASTION_QUEUE="celery", REDIS_URL=broker))
    assert isinstance(backend, CeleryQueue)
    backend.start()
    yield backend
    backend.stop()


@pytest.fixture
def service(engine_for: Engine, queue: CeleryQueue) -> ScanService:
    return ScanService(engine_for, queue)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture
def start_worker(tmp_path: Path, sqlite_url: str, broker: str) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(
        executor: str,
        *,
        threads: int = 2,
        lease: float = 60.0,
        time_limit: float = 300.0,
        concurrency_limit: int = 5,
    ) -> Worker:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BASTION_", "GITHUB_"))}
        env.update(
            BASTION_QUEUE="celery",
            REDIS_URL=broker,
            DATABASE_URL=sqlite_url,
            BASTION_WORKERS=str(threads),
        )
        log_path = tmp_path / f"worker-{len(started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.jobs.celery_worker_process",
                    executor,
                    str(tmp_path),
                    str(lease),
                    str(time_limit),
                    str(concurrency_limit),
                ],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(process, log_path)
        started.append(worker)
        return worker

    yield start
    stopped = [w for w in started if w.process.poll() is None]
    for worker in stopped:
        worker.process.send_signal(signal.SIGTERM)
    codes: list[int | None] = []
    for worker in stopped:
        try:
            codes.append(worker.process.wait(15))
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait(10)
            codes.append(None)
    # SIGTERM is Celery's warm shutdown: idle workers leave promptly and cleanly.
    assert codes == [0] * len(stopped), [w.log() for w in stopped]


def test_make_backend_needs_redis_url(engine_for: Engine) -> None:
    with pytest.raises(JobError, match="REDIS_URL"):
        make_backend(engine_for, JobSettings(BASTION_QUEUE="celery"))


def test_a_scan_enqueued_through_celery_completes(
    service: ScanService, start_worker: Callable[..., Worker]
) -> None:
    worker = start_worker("instant")
    ticket = service.request(target())
    _wait_for(
        lambda: service.status(ticket.scan_id).status == "success",
        "the scan to complete",
        procs=[worker],
    )
    result = service.status(ticket.scan_id).result
    assert result is not None
    assert result.vulnerability_count == 2
    assert "bastion.jobs.run" in worker.log()


def test_the_concurrency_limit_holds_across_celery_workers(
    service: ScanService,
    engine_for: Engine,
    tmp_path: Path,
    start_worker: Callable[..., Worker],
) -> None:
    # Two processes with three slots each, but one installation may run only two scans.
    workers = [start_worker("slow", threads=3, concurrency_limit=2) for _ in range(2)]
    tickets = [service.request(target(7, sha=f"{n:040x}")) for n in range(5)]
    other = service.request(target(8))
    every = [*tickets, other]
    _wait_for(
        lambda: all(service.status(t.scan_id).status == "success" for t in every),
        "every scan to complete",
        timeout=90,
        procs=workers,
    )
    store = JobStore(engine_for)
    spans: dict[str | None, list[tuple[float, float]]] = {}
    for path in tmp_path.iterdir():
        if path.suffix or not path.is_file():
            continue  # worker logs
        job = store.get(path.name)
        assert job is not None
        assert (job.status, job.attempts) == (JobStatus.DONE, 1)
        start, end = (float(x) for x in path.read_text().split())
        spans.setdefault(job.concurrency_key, []).append((start, end))
    seven = spans["installation:7"]
    assert len(seven) == 5
    at_once = max(sum(1 for s, e in seven if s <= t < e) for t, _ in seven)
    # Never more than the limit, yet the waiting scans did run two at a time.
    assert at_once == 2
    # The other installation was not held back behind installation 7's queue.
    (eight,) = spans["installation:8"]
    assert eight[0] < max(e for _, e in seven)
    assert store.counts()[JobStatus.DONE] == 6


def test_a_celery_worker_killed_mid_scan_is_replaced_and_the_scan_completes_once(
    service: ScanService,
    engine_for: Engine,
    tmp_path: Path,
    start_worker: Callable[..., Worker],
) -> None:
    lease = 1.0
    doomed = start_worker("block", lease=lease)
    ticket = service.request(target())
    marker = tmp_path / "started"
    _wait_for(marker.exists, "the doomed worker to start the scan", procs=[doomed])
    job_id = marker.read_text()

    rescuer = start_worker("instant", lease=lease)
    # Alive, the doomed worker renews its lease: over several leases, nobody takes over.
    time.sleep(4 * lease)
    assert service.status(ticket.scan_id).status == "running"

    doomed.process.kill()  # SIGKILL: its lease just stops being renewed
    doomed.process.wait(10)
    _wait_for(
        lambda: service.status(ticket.scan_id).status == "success",
        "the rescuer to finish the scan",
        procs=[rescuer],
    )
    job = JobStore(engine_for).get(job_id)
    assert job is not None
    assert job.status is JobStatus.DONE
    assert job.attempts == 2
    assert job.lease_owner is not None
    assert f":{rescuer.process.pid}:" in job.lease_owner
    result = service.status(ticket.scan_id).result
    assert result is not None
    assert result.vulnerability_count == 2
    # Stays done: nothing (a redelivered message, a sweep) runs it a third time.
    time.sleep(1.0)
    again = JobStore(engine_for).get(job_id)
    assert again is not None
    assert (again.status, again.attempts) == (JobStatus.DONE, 2)


def test_a_scan_over_its_time_limit_on_celery_is_timed_out(
    service: ScanService,
    engine_for: Engine,
    start_worker: Callable[..., Worker],
) -> None:
    worker = start_worker("block", time_limit=1.0)
    ticket = service.request(target())
    _wait_for(
        lambda: service.status(ticket.scan_id).status == "timed_out",
        "the time limit",
        procs=[worker],
    )
    status = service.status(ticket.scan_id)
    assert status.error == INCOMPLETE
    assert status.result is not None
    assert status.result.conclusion == "neutral"
    counts = JobStore(engine_for).counts()
    assert counts[JobStatus.TIMED_OUT] == 1
    assert counts[JobStatus.RUNNING] == 0

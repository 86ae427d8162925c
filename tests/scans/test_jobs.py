"""The sca.scan job end to end on the job store: results, time limits, dead workers."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bastion.db.models.jobs import JobStatus
from bastion.db.models.scans import ScanDependency, ScanFinding
from bastion.db.session import read_session
from bastion.jobs.base import JobContext, JobRegistry, Resources, load_registry
from bastion.jobs.store import JobStore
from bastion.jobs.worker import Outcome, Worker
from bastion.models import ScanResult
from bastion.scans.jobs import INCOMPLETE, SCAN_EXECUTOR, SCAN_JOB, ScanExecutor
from bastion.scans.schemas import ScanTarget
from bastion.scans.service import ScanService
from tests.scans.support import instant, target
from tests.support.databases import Database
from tests.support.paths import REPO_ROOT


def _registry(*, time_limit: float | None = None, max_attempts: int | None = None) -> JobRegistry:
    registry = load_registry().copy()
    spec = registry.get(SCAN_JOB)
    registry.specs[SCAN_JOB] = dataclasses.replace(
        spec,
        time_limit=spec.time_limit if time_limit is None else time_limit,
        max_attempts=spec.max_attempts if max_attempts is None else max_attempts,
    )
    return registry


def _worker(
    engine: Engine,
    executor: ScanExecutor,
    registry: JobRegistry | None = None,
    *,
    lease_seconds: float = 60.0,
) -> Worker:
    registry = registry or _registry()
    return Worker(
        JobStore(engine, registry=registry),
        registry,
        resources=Resources({SCAN_EXECUTOR: executor}),
        lease_seconds=lease_seconds,
    )


@pytest.fixture
def service(db_engine: Engine) -> ScanService:
    return ScanService(db_engine, JobStore(db_engine, registry=_registry()))


def _counts(engine: Engine) -> tuple[int, int]:
    with read_session(engine) as session:
        findings = session.scalar(select(func.count()).select_from(ScanFinding))
        deps = session.scalar(select(func.count()).select_from(ScanDependency))
    return int(findings or 0), int(deps or 0)


def test_scan_job_stores_the_result(db_engine: Engine, service: ScanService) -> None:
    ticket = service.request(target())
    run = _worker(db_engine, instant).run_once()
    assert run is not None
    assert run.outcome is Outcome.DONE
    status = service.status(ticket.scan_id)
    assert status.status == "success"
    assert status.result is not None
    assert status.result.conclusion == "failure"
    assert status.error is None
    assert service.sbom(ticket.scan_id).startswith("{")


def test_scan_over_its_time_limit_ends_neutral_and_incomplete(
    db_engine: Engine, service: ScanService
) -> None:
    def too_slow(target: ScanTarget, ctx: JobContext) -> ScanResult:
        time.sleep(3.0)  # does not check ctx: the late result must be refused anyway
        return instant(target, ctx)

    ticket = service.request(target())
    worker = _worker(db_engine, too_slow, _registry(time_limit=0.3))
    run = worker.run_once()
    assert run is not None
    assert run.outcome is Outcome.TIMED_OUT
    for thread in worker.abandoned:
        thread.join(15)

    status = service.status(ticket.scan_id)
    assert status.status == "timed_out"
    assert status.error == INCOMPLETE
    assert status.result is not None
    assert status.result.conclusion == "neutral"
    assert status.result.findings == []
    assert _counts(db_engine) == (0, 0)
    job = JobStore(db_engine).get(run.job.id)
    assert job is not None
    assert job.status is JobStatus.TIMED_OUT


def test_scan_failing_every_attempt_ends_neutral_and_incomplete(db_engine: Engine) -> None:
    def broken(_target: ScanTarget, _ctx: JobContext) -> ScanResult:
        raise OSError("archive download failed")

    registry = _registry(max_attempts=1)
    service = ScanService(db_engine, JobStore(db_engine, registry=registry))
    ticket = service.request(target())
    worker = _worker(db_engine, broken, registry)
    run = worker.run_once()
    assert run is not None
    assert run.outcome is Outcome.FAILED
    status = service.status(ticket.scan_id)
    assert status.status == "failed"
    assert status.error == INCOMPLETE
    assert status.result is not None
    assert status.result.conclusion == "neutral"


def test_a_new_scan_of_the_commit_is_possible_after_a_timeout(
    db_engine: Engine, service: ScanService
) -> None:
    def too_slow(target: ScanTarget, ctx: JobContext) -> ScanResult:
        time.sleep(0.5)
        return instant(target, ctx)

    first = service.request(target())
    worker = _worker(db_engine, too_slow, _registry(time_limit=0.1))
    run = worker.run_once()
    assert run is not None
    assert run.outcome is Outcome.TIMED_OUT
    second = service.request(target())
    assert second.created
    assert second.scan_id != first.scan_id


@pytest.fixture
def killed_worker() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_a_worker_killed_mid_scan_is_replaced_and_the_scan_completes_once(
    database: Database,
    tmp_path: Path,
    killed_worker: list[subprocess.Popen[bytes]],
) -> None:
    engine = database.engine()
    service = ScanService(engine, JobStore(engine, registry=_registry()))
    ticket = service.request(target())
    marker = tmp_path / "started"
    lease = 1.0
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.scans.worker_process",
            database.url,
            str(marker),
            "doomed",
            str(lease),
        ],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
    )
    killed_worker.append(proc)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the worker process never started the scan"
        time.sleep(0.05)
    job_id = marker.read_text()

    rescuer = _worker(engine, instant, lease_seconds=lease)
    # Alive, the doomed worker renews its lease: over several leases, nobody takes over.
    time.sleep(3 * lease)
    assert rescuer.run_once() is None
    assert service.status(ticket.scan_id).status == "running"

    proc.kill()  # SIGKILL: no cleanup, no goodbye, the lease just stops being renewed
    proc.wait(10)
    killed_at = time.monotonic()
    run = None
    while run is None and time.monotonic() - killed_at < 30:
        run = rescuer.run_once()
        if run is None:
            time.sleep(0.1)
    assert run is not None
    assert run.job.id == job_id
    assert run.outcome is Outcome.DONE
    assert run.job.attempts == 2
    assert rescuer.run_once() is None

    store = JobStore(engine)
    job = store.get(job_id)
    assert job is not None
    assert job.status is JobStatus.DONE
    assert job.lease_owner == rescuer.worker_id
    assert job.attempts == 2
    status = service.status(ticket.scan_id)
    assert status.status == "success"
    assert status.result is not None
    assert status.result.vulnerability_count == 2
    # Two findings and three dependencies, stored once.
    assert _counts(engine) == (2, 3)

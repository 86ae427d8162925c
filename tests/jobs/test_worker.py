"""Workers: completion, retries, give-up hooks, the time limit, and the embedded pool."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bastion.db.models.jobs import JobStatus
from bastion.jobs.backends import make_backend
from bastion.jobs.base import GiveUp, JobContext, JobError, JobRegistry, ResourceKey, Resources
from bastion.jobs.embedded import EmbeddedQueue
from bastion.jobs.settings import JobSettings
from bastion.jobs.store import JobStore
from bastion.jobs.worker import Outcome, Worker


def _no_delay(_attempt: int) -> timedelta:
    return timedelta(0)


@pytest.fixture
def registry() -> JobRegistry:
    return JobRegistry()


@pytest.fixture
def store(db_engine: Engine, registry: JobRegistry) -> JobStore:
    return JobStore(db_engine, registry=registry)


def _worker(store: JobStore, registry: JobRegistry, **kwargs: Any) -> Worker:
    kwargs.setdefault("lease_seconds", 5.0)
    return Worker(store, registry, retry_delay=_no_delay, **kwargs)


def test_handler_gets_its_ids_and_the_job_completes(store: JobStore, registry: JobRegistry) -> None:
    seen: list[tuple[str, int]] = []

    @registry.job("test.echo")
    def echo(ctx: JobContext, *, name: str, count: int) -> None:
        assert ctx.kind == "test.echo"
        assert ctx.attempt == 1
        seen.append((name, count))

    job_id = store.enqueue("test.echo", {"name": "a", "count": 2})
    run = _worker(store, registry).run_once()
    assert run is not None
    assert run.outcome is Outcome.DONE
    assert seen == [("a", 2)]
    record = store.get(job_id)
    assert record is not None
    assert record.status is JobStatus.DONE
    assert record.finished_at is not None


def test_resources_are_looked_up_by_typed_key(store: JobStore, registry: JobRegistry) -> None:
    greeting: ResourceKey[Callable[[str], str]] = ResourceKey("greeting")
    said: list[str] = []

    @registry.job("test.greet")
    def greet(ctx: JobContext) -> None:
        said.append(ctx.resources.get(greeting)("world"))

    store.enqueue("test.greet", {})
    worker = _worker(store, registry, resources=Resources({greeting: lambda s: f"hi {s}"}))
    run = worker.run_once()
    assert run is not None
    assert run.outcome is Outcome.DONE
    assert said == ["hi world"]


def test_failures_retry_until_attempts_run_out_then_give_up(
    store: JobStore, registry: JobRegistry
) -> None:
    ended: list[GiveUp] = []

    def record_give_up(_session: Session, give_up: GiveUp, *, item: str) -> None:
        assert item == "x"
        ended.append(give_up)

    @registry.job("test.flaky", max_attempts=3, on_give_up=record_give_up)
    def flaky(ctx: JobContext, *, item: str) -> None:
        raise ValueError(f"attempt {ctx.attempt} of {item}")

    job_id = store.enqueue("test.flaky", {"item": "x"})
    worker = _worker(store, registry)
    outcomes = [run.outcome for run in iter(worker.run_once, None)]
    assert outcomes == [Outcome.RETRYING, Outcome.RETRYING, Outcome.FAILED]
    record = store.get(job_id)
    assert record is not None
    assert record.status is JobStatus.FAILED
    assert record.attempts == 3
    assert record.last_error == "ValueError: attempt 3 of x"
    assert [(g.status, g.attempts) for g in ended] == [(JobStatus.FAILED, 3)]


def test_a_job_over_its_time_limit_is_timed_out_and_its_late_result_refused(
    store: JobStore, registry: JobRegistry, db_engine: Engine
) -> None:
    with db_engine.begin() as conn:
        conn.execute(text("CREATE TABLE effects (job_id VARCHAR(64))"))
    ended: list[GiveUp] = []
    returned = threading.Event()

    def on_give_up(session: Session, give_up: GiveUp) -> None:
        ended.append(give_up)

    @registry.job("test.slow", time_limit=0.3, on_give_up=on_give_up)
    def slow(ctx: JobContext) -> None:
        # Ignores ctx.check(), as a handler stuck in a long call would. Far past the limit,
        # so a loaded CI machine cannot make marking the timeout look late.
        time.sleep(3.0)
        returned.set()
        with ctx.finishing() as session:
            session.execute(text("INSERT INTO effects VALUES (:id)"), {"id": ctx.job_id})

    job_id = store.enqueue("test.slow", {})
    worker = _worker(store, registry)
    run = worker.run_once()
    assert run is not None
    assert run.outcome is Outcome.TIMED_OUT
    assert not returned.is_set()  # marked at the limit, not when the handler gave in
    assert [g.status for g in ended] == [JobStatus.TIMED_OUT]
    assert "time limit of 0.3 s exceeded" in ended[0].reason

    for thread in worker.abandoned:
        thread.join(15)
    assert returned.is_set()
    record = store.get(job_id)
    assert record is not None
    assert record.status is JobStatus.TIMED_OUT
    with db_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM effects")).scalar() == 0


def test_cooperative_handler_stops_at_its_deadline(store: JobStore, registry: JobRegistry) -> None:
    steps: list[int] = []

    @registry.job("test.steps", time_limit=0.3)
    def steps_job(ctx: JobContext) -> None:
        for step in range(100):
            ctx.check()
            steps.append(step)
            time.sleep(0.05)

    job_id = store.enqueue("test.steps", {})
    worker = _worker(store, registry)
    run = worker.run_once()
    assert run is not None
    assert run.outcome is Outcome.TIMED_OUT
    for thread in worker.abandoned:
        thread.join(15)
    assert 0 < len(steps) < 20
    record = store.get(job_id)
    assert record is not None
    assert record.status is JobStatus.TIMED_OUT


def test_a_broken_give_up_hook_still_ends_the_job(store: JobStore, registry: JobRegistry) -> None:
    def broken(_session: Session, _give_up: GiveUp) -> None:
        raise RuntimeError("hook bug")

    @registry.job("test.fails", max_attempts=1, on_give_up=broken)
    def fails(ctx: JobContext) -> None:
        raise RuntimeError("job bug")

    job_id = store.enqueue("test.fails", {})
    run = _worker(store, registry).run_once()
    assert run is not None
    assert run.outcome is Outcome.FAILED
    record = store.get(job_id)
    assert record is not None
    assert record.status is JobStatus.FAILED


def test_heartbeats_keep_a_long_job_from_being_taken_over(
    store: JobStore, registry: JobRegistry
) -> None:
    release = threading.Event()

    @registry.job("test.long")
    def long_job(ctx: JobContext) -> None:
        release.wait(10)

    store.enqueue("test.long", {})
    first = _worker(store, registry, lease_seconds=1.0)
    runner = threading.Thread(target=first.run_once)
    runner.start()
    try:
        time.sleep(2.5)  # well past the first lease
        assert _worker(store, registry).run_once() is None
    finally:
        release.set()
        runner.join(10)
    assert store.counts()[JobStatus.DONE] == 1


def test_embedded_pool_runs_five_per_installation_and_lets_others_through(
    db_engine: Engine, registry: JobRegistry
) -> None:
    lock = threading.Lock()
    running: Counter[int] = Counter()
    peak: Counter[int] = Counter()
    order: list[tuple[int, int]] = []

    @registry.job("test.scan")
    def scan(ctx: JobContext, *, installation: int, n: int) -> None:
        with lock:
            running[installation] += 1
            peak[installation] = max(peak[installation], running[installation])
            order.append((installation, n))
        time.sleep(0.3)
        with lock:
            running[installation] -= 1

    queue = EmbeddedQueue(db_engine, registry=registry, threads=9, poll_interval=0.05)
    for n in range(12):
        queue.enqueue("test.scan", {"installation": 1, "n": n}, "installation:1")
    for n in range(2):
        queue.enqueue("test.scan", {"installation": 2, "n": n}, "installation:2")
    with queue:
        deadline = time.monotonic() + 30
        while queue.store.counts()[JobStatus.DONE] < 14 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert queue.store.counts()[JobStatus.DONE] == 14
    assert peak[1] == 5
    # Installation 2 did not wait for installation 1's queue to drain.
    assert order.index((2, 1)) < order.index((1, 11))


def test_backend_from_settings(db_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_WORKERS", "2")
    backend = make_backend(db_engine, JobSettings())
    assert isinstance(backend, EmbeddedQueue)
    assert backend.threads == 2
    monkeypatch.setenv("BASTION_QUEUE", "celery")
    with pytest.raises(JobError, match="REDIS_URL"):
        make_backend(db_engine, JobSettings())

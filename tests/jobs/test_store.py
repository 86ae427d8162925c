"""The job store's rules, on SQLite and PostgreSQL, with a hand-moved clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bastion.db.models.jobs import JobStatus
from bastion.db.session import write_session
from bastion.jobs.base import JobRegistry, LeaseLost
from bastion.jobs.celery_backend import CeleryQueue
from bastion.jobs.store import JobRecord, JobStore
from tests.support.clock import FakeClock

LEASE = 30.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db_engine: Engine, clock: FakeClock) -> JobStore:
    return JobStore(db_engine, clock=clock, registry=JobRegistry())


def _enqueue_spaced(store: JobStore, clock: FakeClock, key: str | None, n: int) -> list[str]:
    ids = []
    for i in range(n):
        ids.append(store.enqueue("test.job", {"n": i}, key))
        clock.advance(0.001)
    return ids


def test_enqueue_and_claim_oldest_first(store: JobStore, clock: FakeClock) -> None:
    first, second = _enqueue_spaced(store, clock, None, 2)
    claimed = store.claim("w1", LEASE)
    assert claimed is not None
    assert claimed.id == first
    assert claimed.payload == {"n": 0}
    assert claimed.status is JobStatus.RUNNING
    assert claimed.attempts == 1
    assert claimed.lease_owner == "w1"
    assert claimed.lease_expires_at == clock() + timedelta(seconds=LEASE)
    again = store.claim("w2", LEASE)
    assert again is not None
    assert again.id == second
    assert store.claim("w3", LEASE) is None


def test_payload_carries_ids_only(store: JobStore) -> None:
    with pytest.raises(TypeError, match="only ids"):
        store.enqueue("test.job", {"report": {"findings": []}})  # type: ignore[dict-item]


def test_claim_only_the_kinds_a_worker_knows(store: JobStore) -> None:
    store.enqueue("other.job", {})
    assert store.claim("w1", LEASE, kinds=["test.job"]) is None
    assert store.claim("w1", LEASE, kinds=["other.job"]) is not None


def test_delayed_job_waits_for_its_time(store: JobStore, clock: FakeClock) -> None:
    store.enqueue("test.job", {}, max_attempts=1, delay=timedelta(seconds=10))
    assert store.claim("w1", LEASE) is None
    clock.advance(10)
    assert store.claim("w1", LEASE) is not None


def test_at_most_five_per_installation_and_the_rest_wait(store: JobStore, clock: FakeClock) -> None:
    busy = _enqueue_spaced(store, clock, "installation:1", 7)
    other = _enqueue_spaced(store, clock, "installation:2", 2)
    unkeyed = _enqueue_spaced(store, clock, None, 1)

    claimed = [store.claim(f"w{i}", LEASE) for i in range(10)]
    ids = [c.id for c in claimed if c is not None]
    # Five of installation 1 in age order, then the younger jobs of others go ahead.
    assert ids == [*busy[:5], *other, *unkeyed]
    assert store.claim("w-late", LEASE) is None

    assert store.complete(busy[0], "w0")
    sixth = store.claim("w-late", LEASE)
    assert sixth is not None
    assert sixth.id == busy[5]
    assert store.claim("w-later", LEASE) is None


def test_a_dead_workers_job_frees_its_slot_and_is_taken_over(
    store: JobStore, clock: FakeClock
) -> None:
    jobs = _enqueue_spaced(store, clock, "installation:1", 6)
    for i in range(5):
        assert store.claim(f"w{i}", LEASE) is not None
    assert store.claim("w-new", LEASE) is None
    # All five workers die: their leases run out, their jobs come first again (oldest).
    clock.advance(LEASE + 1)
    retaken = store.claim("w-new", LEASE)
    assert retaken is not None
    assert retaken.id == jobs[0]
    assert retaken.attempts == 2
    assert retaken.lease_owner == "w-new"


def test_lease_expiry_reclaim_completes_exactly_once(store: JobStore, clock: FakeClock) -> None:
    (job_id,) = _enqueue_spaced(store, clock, None, 1)
    assert store.claim("slow", LEASE) is not None
    clock.advance(LEASE + 1)
    # "slow" paused past its lease (it is not dead): "fast" takes the job over.
    taken = store.claim("fast", LEASE)
    assert taken is not None
    assert taken.id == job_id
    assert not store.renew(job_id, "slow", LEASE)
    with pytest.raises(LeaseLost), store.completing(job_id, "slow"):
        pytest.fail("the stale worker must not get a transaction")
    assert store.complete(job_id, "fast")
    assert not store.complete(job_id, "fast")
    assert not store.complete(job_id, "slow")
    record = store.get(job_id)
    assert record is not None
    assert record.status is JobStatus.DONE
    assert record.lease_owner == "fast"
    assert record.attempts == 2


def test_heartbeat_keeps_the_job(store: JobStore, clock: FakeClock) -> None:
    (job_id,) = _enqueue_spaced(store, clock, None, 1)
    assert store.claim("w1", LEASE) is not None
    for _ in range(5):
        clock.advance(LEASE / 2)
        assert store.renew(job_id, "w1", LEASE)
    assert store.claim("w2", LEASE) is None


def test_retry_requeues_with_a_delay(store: JobStore, clock: FakeClock) -> None:
    (job_id,) = _enqueue_spaced(store, clock, None, 1)
    assert store.claim("w1", LEASE) is not None
    assert store.retry(job_id, "w1", "ValueError: boom", timedelta(seconds=20))
    record = store.get(job_id)
    assert record is not None
    assert record.status is JobStatus.QUEUED
    assert record.last_error == "ValueError: boom"
    assert record.lease_owner is None
    assert store.claim("w2", LEASE) is None
    clock.advance(20)
    again = store.claim("w2", LEASE)
    assert again is not None
    assert again.attempts == 2


def test_last_attempt_lost_is_abandoned_and_given_up_once(
    store: JobStore, clock: FakeClock
) -> None:
    job_id = store.enqueue("test.job", {"scan_id": "x"}, max_attempts=1)
    assert store.claim("dead", LEASE) is not None
    assert store.abandoned() == []
    clock.advance(LEASE + 1)
    assert store.claim("w2", LEASE) is None  # no attempts left: not claimable
    (abandoned,) = store.abandoned()
    assert abandoned.id == job_id

    seen: list[JobRecord] = []
    assert store.give_up(
        job_id,
        "dead",
        JobStatus.FAILED,
        "worker lost",
        lambda _session, record: seen.append(record),
        expired_only=True,
    )
    assert not store.give_up(job_id, "dead", JobStatus.FAILED, "again", expired_only=True)
    assert [r.status for r in seen] == [JobStatus.FAILED]
    record = store.get(job_id)
    assert record is not None
    assert record.status is JobStatus.FAILED
    assert record.last_error == "worker lost"
    assert store.abandoned() == []


def test_give_up_hook_shares_the_transaction(store: JobStore, clock: FakeClock) -> None:
    (job_id,) = _enqueue_spaced(store, clock, None, 1)
    assert store.claim("w1", LEASE) is not None

    def broken(_session: object, _record: JobRecord) -> None:
        raise RuntimeError("hook failed")

    with pytest.raises(RuntimeError):
        store.give_up(job_id, "w1", JobStatus.TIMED_OUT, "too slow", broken)
    record = store.get(job_id)
    assert record is not None
    assert record.status is JobStatus.RUNNING  # rolled back with the hook


def test_counts_and_purge(store: JobStore, clock: FakeClock) -> None:
    done, _queued = _enqueue_spaced(store, clock, None, 2)
    assert store.claim("w1", LEASE) is not None
    assert store.complete(done, "w1")
    counts = store.counts()
    assert counts[JobStatus.DONE] == 1
    assert counts[JobStatus.QUEUED] == 1
    assert store.purge(clock() - timedelta(seconds=1)) == 0
    clock.advance(60)
    assert store.purge(clock()) == 1
    assert store.get(done) is None


def test_simultaneous_claims_never_exceed_the_limit(store: JobStore, clock: FakeClock) -> None:
    _enqueue_spaced(store, clock, "installation:1", 12)
    barrier = threading.Barrier(10)
    claimed: list[JobRecord] = []
    lock = threading.Lock()

    def claim(worker: str) -> None:
        barrier.wait()
        record = store.claim(worker, LEASE)
        if record is not None:
            with lock:
                claimed.append(record)

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 5
    assert len({c.id for c in claimed}) == 5


def test_has_runnable_agrees_with_claim_and_claims_nothing(
    store: JobStore, clock: FakeClock
) -> None:
    assert not store.has_runnable()
    _enqueue_spaced(store, clock, "installation:1", 2)
    assert store.has_runnable(["test.job"], concurrency_limit=1)
    assert not store.has_runnable(["other.job"])
    assert store.counts()[JobStatus.RUNNING] == 0
    assert store.claim("w1", LEASE, concurrency_limit=1) is not None
    # The second job waits for its installation's only slot.
    assert not store.has_runnable(concurrency_limit=1)
    assert store.has_runnable(concurrency_limit=2)
    clock.advance(LEASE + 1)  # the first worker died: its job is runnable again
    assert store.has_runnable(concurrency_limit=1)


def _rolled_back(engine: Engine, work: Callable[[Session], object]) -> None:
    with write_session(engine) as session:
        work(session)
        raise RuntimeError("rolled back")


def test_enqueue_in_commits_with_the_callers_transaction(
    db_engine: Engine, store: JobStore
) -> None:
    with pytest.raises(RuntimeError):
        _rolled_back(db_engine, lambda session: store.enqueue_in(session, "test.job", {"n": 1}))
    assert store.counts().get(JobStatus.QUEUED, 0) == 0
    with write_session(db_engine) as session:
        job_id = store.enqueue_in(session, "test.job", {"n": 2}, "installation:1")
    job = store.get(job_id)
    assert job is not None
    assert (job.status, job.concurrency_key) == (JobStatus.QUEUED, "installation:1")


class _RecordingApp:
    """Stands in for the Celery app: records, at publish time, whether the job was
    already committed (visible from another connection)."""

    def __init__(self, store: JobStore) -> None:
        self.store = store
        self.published: list[tuple[str, bool]] = []

    def send_task(self, name: str, args: list[str], queue: str) -> None:
        (job_id,) = args
        self.published.append((job_id, self.store.get(job_id) is not None))

    def close(self) -> None:
        pass


def test_celery_wake_up_is_published_after_the_commit_only(
    db_engine: Engine, store: JobStore
) -> None:
    queue = CeleryQueue(db_engine, "redis://unused", registry=JobRegistry())
    app = _RecordingApp(store)
    queue._app = app
    with write_session(db_engine) as session:
        job_id = queue.enqueue_in(session, "test.job", {})
        assert app.published == []
    assert app.published == [(job_id, True)]
    with pytest.raises(RuntimeError):
        _rolled_back(db_engine, lambda session: queue.enqueue_in(session, "test.job", {}))
    assert app.published == [(job_id, True)]

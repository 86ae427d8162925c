"""The database-backed job queue: leases instead of locks, so a dead worker costs a delay,
never a lost or doubled job.

Rules, in one place:

- ``claim`` takes the oldest runnable job: queued and due, or running under a lease that
  expired (its worker died) while attempts remain. Jobs sharing a concurrency key (an
  installation) run at most ``concurrency_limit`` at a time; the rest wait their turn
  while other keys' jobs go ahead. A claim counts as an attempt.
- The worker renews its lease while the handler runs. Every later write about the job
  (complete, retry, give up) is conditional on still holding the lease, so a job is
  finished exactly once even when a worker presumed dead comes back.
- A job whose lease expired after its last attempt is given up (``failed``) by whichever
  worker notices first, through the same conditional update.

Atomicity: SQLite serialises writers and every write transaction here starts with
``BEGIN IMMEDIATE`` (see db.session), so the claim's count-then-update cannot
interleave. PostgreSQL runs claims under READ COMMITTED, where two claims could each
count 4 running jobs of one installation and both start a fifth; a transaction-scoped
advisory lock serialises claims (they take milliseconds) and ``FOR UPDATE SKIP LOCKED``
keeps a claim from waiting on job rows that heartbeats or completions hold.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, Select, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from bastion.clock import Clock, utcnow
from bastion.db.models.jobs import Job, JobStatus
from bastion.db.session import on_commit, read_session, write_session
from bastion.jobs.base import (
    DEFAULT_MAX_ATTEMPTS,
    JobRegistry,
    LeaseLost,
    Payload,
    PayloadValue,
    check_payload,
)
from bastion.jobs.base import (
    registry as default_registry,
)

log = logging.getLogger(__name__)

# SPEC §2: at most 5 scans running at once per installation.
DEFAULT_CONCURRENCY_LIMIT = 5
# Any constant works; it only has to differ from other advisory locks in the database.
_CLAIM_LOCK = 0x62617374696F6E  # "bastion"
_ERROR_LIMIT = 4000

GiveUpCallback = Callable[[Session, "JobRecord"], None]


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job as read from the store (a snapshot, detached from any session)."""

    id: str
    kind: str
    payload: dict[str, PayloadValue]
    status: JobStatus
    attempts: int
    max_attempts: int
    concurrency_key: str | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    run_after: datetime
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    last_error: str | None

    @classmethod
    def from_row(cls, row: Job) -> JobRecord:
        payload: dict[str, PayloadValue] = orjson.loads(row.payload)
        return cls(
            id=str(row.id),
            kind=row.kind,
            payload=payload,
            status=JobStatus(row.status),
            attempts=row.attempts,
            max_attempts=row.max_attempts,
            concurrency_key=row.concurrency_key,
            lease_owner=row.lease_owner,
            lease_expires_at=row.lease_expires_at,
            run_after=row.run_after,
            created_at=row.created_at,
            updated_at=row.updated_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            last_error=row.last_error,
        )


class JobStore:
    """Jobs in the service database; usable as a :class:`~bastion.jobs.base.JobQueue`."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock = utcnow,
        registry: JobRegistry | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.registry = registry if registry is not None else default_registry

    # -- producers ---------------------------------------------------------------------

    def enqueue(
        self,
        kind: str,
        payload: Payload,
        concurrency_key: str | None = None,
        *,
        max_attempts: int | None = None,
        delay: timedelta = timedelta(0),
    ) -> str:
        with write_session(self.engine) as session:
            return self.enqueue_in(
                session, kind, payload, concurrency_key, max_attempts=max_attempts, delay=delay
            )

    def enqueue_in(
        self,
        session: Session,
        kind: str,
        payload: Payload,
        concurrency_key: str | None = None,
        *,
        max_attempts: int | None = None,
        delay: timedelta = timedelta(0),
    ) -> str:
        """Add the job to ``session``'s transaction; it is queued when the caller commits
        (and never if it rolls back). Waking workers is the queue's business, not the
        store's: see ``EmbeddedQueue.enqueue_in`` and ``CeleryQueue.enqueue_in``."""
        if max_attempts is None:
            spec = self.registry.specs.get(kind)
            max_attempts = spec.max_attempts if spec else DEFAULT_MAX_ATTEMPTS
        now = self.clock()
        row = Job(
            id=uuid.uuid4(),
            kind=kind,
            payload=orjson.dumps(check_payload(payload)).decode(),
            status=JobStatus.QUEUED.value,
            attempts=0,
            max_attempts=max_attempts,
            concurrency_key=concurrency_key,
            run_after=now + delay,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        job_id = str(row.id)
        on_commit(session, lambda: log.info("job queued", extra={"job_id": job_id, "kind": kind}))
        return job_id

    # -- workers -----------------------------------------------------------------------

    def claim(
        self,
        worker_id: str,
        lease_seconds: float,
        *,
        kinds: Sequence[str] | None = None,
        concurrency_limit: int = DEFAULT_CONCURRENCY_LIMIT,
    ) -> JobRecord | None:
        """Lease the oldest runnable job to ``worker_id``, or return None."""
        now = self.clock()
        candidate = self._candidate(now, kinds, concurrency_limit)
        with write_session(self.engine) as session:
            if session.bind is not None and session.bind.dialect.name == "postgresql":
                session.execute(select(func.pg_advisory_xact_lock(_CLAIM_LOCK)))
            row = session.scalars(
                update(Job)
                .where(Job.id == candidate.scalar_subquery())
                .values(
                    status=JobStatus.RUNNING.value,
                    lease_owner=worker_id,
                    lease_expires_at=now + timedelta(seconds=lease_seconds),
                    attempts=Job.attempts + 1,
                    started_at=now,
                    finished_at=None,
                    updated_at=now,
                )
                .returning(Job)
                .execution_options(synchronize_session=False)
            ).one_or_none()
            return JobRecord.from_row(row) if row is not None else None

    def has_runnable(
        self,
        kinds: Sequence[str] | None = None,
        *,
        concurrency_limit: int = DEFAULT_CONCURRENCY_LIMIT,
    ) -> bool:
        """Whether ``claim`` would find a job now, without claiming it (for workers that
        only announce work, such as the Celery backend's sweeper)."""
        candidate = self._candidate(self.clock(), kinds, concurrency_limit, lock=False)
        with read_session(self.engine) as session:
            return session.scalars(candidate).first() is not None

    def _candidate(
        self,
        now: datetime,
        kinds: Sequence[str] | None,
        concurrency_limit: int,
        *,
        lock: bool = True,
    ) -> Select[uuid.UUID]:
        # Aliases: an unaliased ``jobs`` inside UPDATE jobs … would be correlated away.
        candidate = aliased(Job, name="candidate")
        running = aliased(Job, name="running")
        running_with_same_key = (
            select(func.count())
            .select_from(running)
            .where(
                running.concurrency_key == candidate.concurrency_key,
                running.status == JobStatus.RUNNING.value,
                # An expired lease means a dead worker: its job no longer takes a slot.
                running.lease_expires_at >= now,
            )
            .correlate(candidate)
            .scalar_subquery()
        )
        runnable = or_(
            and_(candidate.status == JobStatus.QUEUED.value, candidate.run_after <= now),
            and_(
                candidate.status == JobStatus.RUNNING.value,
                candidate.lease_expires_at < now,
                candidate.attempts < candidate.max_attempts,
            ),
        )
        query = (
            select(candidate.id)
            .where(
                runnable,
                or_(
                    candidate.concurrency_key.is_(None),
                    running_with_same_key < concurrency_limit,
                ),
            )
            .order_by(candidate.created_at, candidate.id)
            .limit(1)
        )
        if kinds is not None:
            query = query.where(candidate.kind.in_(list(kinds)))
        if lock and self.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=candidate)
        return query

    def renew(self, job_id: str, worker_id: str, lease_seconds: float) -> bool:
        """Extend the lease; False when it is no longer this worker's job."""
        now = self.clock()
        return self._update_held(
            job_id,
            worker_id,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            updated_at=now,
        )

    @contextmanager
    def completing(self, job_id: str, worker_id: str) -> Iterator[Session]:
        """Mark the job done and yield the transaction for the handler's final writes.

        Raises :class:`LeaseLost` (writing nothing) when the job is not this worker's.
        """
        with write_session(self.engine) as session:
            if not self._finish(session, job_id, worker_id, JobStatus.DONE, None):
                raise LeaseLost(f"job {job_id} is no longer leased to {worker_id}")
            yield session

    def complete(self, job_id: str, worker_id: str) -> bool:
        with write_session(self.engine) as session:
            return self._finish(session, job_id, worker_id, JobStatus.DONE, None) is not None

    def retry(self, job_id: str, worker_id: str, error: str, delay: timedelta) -> bool:
        """Put a failed attempt back in the queue, due after ``delay``."""
        now = self.clock()
        return self._update_held(
            job_id,
            worker_id,
            status=JobStatus.QUEUED.value,
            lease_owner=None,
            lease_expires_at=None,
            run_after=now + delay,
            last_error=error[:_ERROR_LIMIT],
            updated_at=now,
        )

    def give_up(
        self,
        job_id: str,
        worker_id: str,
        status: JobStatus,
        reason: str,
        on_give_up: GiveUpCallback | None = None,
        *,
        expired_only: bool = False,
    ) -> bool:
        """End the job as ``failed`` or ``timed_out``; ``on_give_up`` runs in the same
        transaction, so the domain's own record (a scan report) ends with it.

        ``expired_only`` is for reaping another worker's job: it must still be that
        worker's, and its lease must have run out.
        """
        assert status in (JobStatus.FAILED, JobStatus.TIMED_OUT), status
        with write_session(self.engine) as session:
            record = self._finish(
                session, job_id, worker_id, status, reason, expired_only=expired_only
            )
            if record is None:
                return False
            if on_give_up is not None:
                on_give_up(session, record)
            return True

    def abandoned(self, kinds: Sequence[str] | None = None) -> list[JobRecord]:
        """Jobs whose worker died during their last attempt: nobody will claim them."""
        now = self.clock()
        query = select(Job).where(
            Job.status == JobStatus.RUNNING.value,
            Job.lease_expires_at < now,
            Job.attempts >= Job.max_attempts,
        )
        if kinds is not None:
            query = query.where(Job.kind.in_(list(kinds)))
        with read_session(self.engine) as session:
            return [JobRecord.from_row(row) for row in session.scalars(query)]

    # -- inspection and upkeep ---------------------------------------------------------

    def get(self, job_id: str) -> JobRecord | None:
        with read_session(self.engine) as session:
            row = session.get(Job, uuid.UUID(job_id))
            return JobRecord.from_row(row) if row is not None else None

    def counts(self) -> dict[JobStatus, int]:
        """Jobs per status (for /health and /metrics)."""
        with read_session(self.engine) as session:
            rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
            found = {JobStatus(status): count for status, count in rows}
        return {status: found.get(status, 0) for status in JobStatus}

    def purge(self, finished_before: datetime) -> int:
        """Delete jobs that ended before ``finished_before``; returns how many."""
        with write_session(self.engine) as session:
            result = session.execute(
                delete(Job).where(
                    Job.status.in_(
                        [JobStatus.DONE.value, JobStatus.FAILED.value, JobStatus.TIMED_OUT.value]
                    ),
                    Job.finished_at < finished_before,
                )
            )
            return int(getattr(result, "rowcount", 0))

    # -- conditional writes ------------------------------------------------------------

    def _update_held(self, job_id: str, worker_id: str, **values: Any) -> bool:
        with write_session(self.engine) as session:
            changed = session.scalars(
                update(Job)
                .where(
                    Job.id == uuid.UUID(job_id),
                    Job.status == JobStatus.RUNNING.value,
                    Job.lease_owner == worker_id,
                )
                .values(**values)
                .returning(Job.id)
                .execution_options(synchronize_session=False)
            ).one_or_none()
            return changed is not None

    def _finish(
        self,
        session: Session,
        job_id: str,
        worker_id: str,
        status: JobStatus,
        error: str | None,
        *,
        expired_only: bool = False,
    ) -> JobRecord | None:
        now = self.clock()
        conditions = [
            Job.id == uuid.UUID(job_id),
            Job.status == JobStatus.RUNNING.value,
            Job.lease_owner == worker_id,
        ]
        if expired_only:
            conditions.append(Job.lease_expires_at < now)
        values: dict[str, Any] = {
            "status": status.value,
            "lease_expires_at": None,
            "finished_at": now,
            "updated_at": now,
        }
        if error is not None:
            values["last_error"] = error[:_ERROR_LIMIT]
        row = session.scalars(
            update(Job)
            .where(*conditions)
            .values(**values)
            .returning(Job)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        return JobRecord.from_row(row) if row is not None else None

"""One worker: claims a job from the store, runs its handler under a time limit while
renewing the lease, and records how it ended.

The handler runs on a thread of its own so the worker can keep the lease alive and
enforce the time limit. Python cannot kill a thread: a job past its limit is marked
``timed_out`` (and its domain record ended by the give-up hook) at once, its context is
cancelled so cooperative code stops at the next ``ctx.check()``, and anything it still
tries to commit is refused because the job is no longer running under this lease.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from bastion.db.models.jobs import JobStatus
from bastion.jobs.base import (
    GiveUp,
    JobCancelled,
    JobContext,
    JobRegistry,
    JobSpec,
    LeaseLost,
    Resources,
)
from bastion.jobs.store import DEFAULT_CONCURRENCY_LIMIT, JobRecord, JobStore

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 60.0
# Abandoned jobs are rare; looking for them on every poll would double the idle queries.
DEFAULT_REAP_INTERVAL = 15.0


class Outcome(StrEnum):
    DONE = "done"
    RETRYING = "retrying"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    # Another worker owns the job now (or it ended meanwhile): nothing was recorded.
    LEASE_LOST = "lease_lost"


@dataclass(frozen=True, slots=True)
class JobRun:
    job: JobRecord
    outcome: Outcome


def default_retry_delay(attempt: int) -> timedelta:
    """10 s, 20 s, 40 s … capped at 5 minutes."""
    return timedelta(seconds=min(300, 10 * 2 ** max(0, attempt - 1)))


def new_worker_id(label: str = "") -> str:
    suffix = f":{label}" if label else ""
    return f"{socket.gethostname()}:{os.getpid()}{suffix}:{uuid.uuid4().hex[:8]}"


class Worker:
    def __init__(
        self,
        store: JobStore,
        registry: JobRegistry,
        *,
        worker_id: str | None = None,
        resources: Resources | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        concurrency_limit: int = DEFAULT_CONCURRENCY_LIMIT,
        retry_delay: Callable[[int], timedelta] = default_retry_delay,
        reap_interval: float = DEFAULT_REAP_INTERVAL,
    ) -> None:
        self.store = store
        self.registry = registry
        self.worker_id = worker_id or new_worker_id()
        self.resources = resources or Resources()
        self.lease_seconds = lease_seconds
        self.concurrency_limit = concurrency_limit
        self.retry_delay = retry_delay
        self.reap_interval = reap_interval
        self._last_reap = float("-inf")
        # Handler threads still running after their job timed out or was lost.
        self.abandoned: list[threading.Thread] = []

    def run_once(self) -> JobRun | None:
        """Claim and run one job; None when nothing is runnable."""
        if time.monotonic() - self._last_reap >= self.reap_interval:
            self.reap()
        record = self.store.claim(
            self.worker_id,
            self.lease_seconds,
            kinds=self.registry.kinds(),
            concurrency_limit=self.concurrency_limit,
        )
        if record is None:
            return None
        return self.execute(record)

    def run(self, stop: threading.Event, wait: Callable[[float], object], idle: float) -> None:
        """Run jobs until ``stop`` is set; ``wait(idle)`` sleeps between empty polls."""
        while not stop.is_set():
            try:
                ran = self.run_once()
            except Exception:
                # The database may be restarting; keep polling rather than lose the thread.
                log.exception("job worker %s: poll failed", self.worker_id)
                ran = None
            if ran is None and not stop.is_set():
                wait(idle)

    def reap(self) -> list[JobRecord]:
        """Give up jobs whose worker died on their last attempt."""
        self._last_reap = time.monotonic()
        reaped = []
        for record in self.store.abandoned(self.registry.kinds()):
            spec = self.registry.get(record.kind)
            reason = f"worker lost after {record.attempts} attempt(s)"
            if self._give_up(record, spec, JobStatus.FAILED, reason, expired_only=True):
                log.warning("job %s (%s) abandoned: %s", record.id, record.kind, reason)
                reaped.append(record)
        return reaped

    def execute(self, record: JobRecord) -> JobRun:
        spec = self.registry.get(record.kind)
        ctx = JobContext(
            job_id=record.id,
            kind=record.kind,
            attempt=record.attempts,
            engine=self.store.engine,
            resources=self.resources,
            time_limit=spec.time_limit,
            finishing=lambda: self.store.completing(record.id, self.worker_id),
            clock=self.store.clock,
        )
        errors: list[BaseException] = []
        done = threading.Event()

        def target() -> None:
            try:
                spec.handler(ctx, **record.payload)
            except BaseException as exc:
                # Handed to the watching thread, which decides between retry and give-up.
                errors.append(exc)
            finally:
                done.set()

        thread = threading.Thread(
            target=target, name=f"job-{record.kind}-{record.id[:8]}", daemon=True
        )
        started = time.monotonic()
        thread.start()
        heartbeat = max(0.05, self.lease_seconds / 3)
        while True:
            remaining = ctx.deadline - time.monotonic()
            if remaining <= 0 and not done.is_set():
                return self._time_out(record, spec, ctx, thread)
            if done.wait(min(heartbeat, max(remaining, 0))):
                break
            if time.monotonic() < ctx.deadline and not self._renew(record):
                if self._completed_by_handler(record):
                    # The handler's finishing() committed as the heartbeat ran.
                    done.wait(heartbeat)
                    return JobRun(record, Outcome.DONE)
                ctx.cancelled.set()
                self.abandoned.append(thread)
                log.warning("job %s (%s): lease lost while running", record.id, record.kind)
                return JobRun(record, Outcome.LEASE_LOST)
        elapsed = time.monotonic() - started
        error = errors[0] if errors else None
        if error is None:
            if ctx.finished or self.store.complete(record.id, self.worker_id):
                log.info("job %s (%s) done in %.2f s", record.id, record.kind, elapsed)
                return JobRun(record, Outcome.DONE)
            return JobRun(record, Outcome.LEASE_LOST)
        if isinstance(error, LeaseLost):
            log.warning("job %s (%s): result discarded, %s", record.id, record.kind, error)
            return JobRun(record, Outcome.LEASE_LOST)
        if isinstance(error, JobCancelled):
            return self._time_out(record, spec, ctx, thread)
        log.error(
            "job %s (%s) attempt %d failed",
            record.id,
            record.kind,
            record.attempts,
            exc_info=error,
        )
        message = f"{type(error).__name__}: {error}"
        if record.attempts < record.max_attempts:
            delay = self.retry_delay(record.attempts)
            if self.store.retry(record.id, self.worker_id, message, delay):
                return JobRun(record, Outcome.RETRYING)
            return JobRun(record, Outcome.LEASE_LOST)
        if self._give_up(record, spec, JobStatus.FAILED, message):
            return JobRun(record, Outcome.FAILED)
        return JobRun(record, Outcome.LEASE_LOST)

    def _renew(self, record: JobRecord) -> bool:
        try:
            return self.store.renew(record.id, self.worker_id, self.lease_seconds)
        except Exception:
            # One failed heartbeat is not a lost lease (the database may be busy or
            # restarting); if it stays down, the lease runs out and completion says so.
            log.warning("job %s: heartbeat failed", record.id, exc_info=True)
            return True

    def _completed_by_handler(self, record: JobRecord) -> bool:
        current = self.store.get(record.id)
        return (
            current is not None
            and current.status is JobStatus.DONE
            and current.lease_owner == self.worker_id
        )

    def _time_out(
        self, record: JobRecord, spec: JobSpec, ctx: JobContext, thread: threading.Thread
    ) -> JobRun:
        ctx.cancelled.set()
        if thread.is_alive():
            self.abandoned.append(thread)
        reason = f"time limit of {spec.time_limit:g} s exceeded"
        log.warning("job %s (%s): %s", record.id, record.kind, reason)
        if self._give_up(record, spec, JobStatus.TIMED_OUT, reason):
            return JobRun(record, Outcome.TIMED_OUT)
        if self._completed_by_handler(record):  # it finished as the limit struck
            return JobRun(record, Outcome.DONE)
        return JobRun(record, Outcome.LEASE_LOST)

    def _give_up(
        self,
        record: JobRecord,
        spec: JobSpec,
        status: JobStatus,
        reason: str,
        *,
        expired_only: bool = False,
    ) -> bool:
        owner = record.lease_owner if expired_only else self.worker_id
        if owner is None:
            return False
        hook = spec.on_give_up

        def on_give_up(session: Session, ended: JobRecord) -> None:
            if hook is not None:
                at = ended.finished_at or self.store.clock()
                hook(session, GiveUp(status, reason, ended.attempts, at), **ended.payload)

        try:
            return self.store.give_up(
                record.id, owner, status, reason, on_give_up, expired_only=expired_only
            )
        except Exception:
            # A broken hook must not keep the job running forever: end the job alone.
            log.exception("job %s (%s): give-up hook failed", record.id, record.kind)
            return self.store.give_up(record.id, owner, status, reason, expired_only=expired_only)

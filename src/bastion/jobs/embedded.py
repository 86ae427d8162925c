"""The default queue: jobs in the service database, run by a pool of threads in this
process. Several server processes may each run a pool on one database; the store's
leases and conditional updates keep them from running a job twice."""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bastion.clock import Clock, utcnow
from bastion.db.session import on_commit
from bastion.jobs.base import JobRegistry, Payload, Resources, load_registry
from bastion.jobs.store import DEFAULT_CONCURRENCY_LIMIT, JobStore
from bastion.jobs.worker import DEFAULT_LEASE_SECONDS, Worker, new_worker_id

log = logging.getLogger(__name__)

DEFAULT_THREADS = 4
DEFAULT_POLL_INTERVAL = 1.0


class EmbeddedQueue:
    """A :class:`~bastion.jobs.base.JobQueue` whose jobs run on ``threads`` threads here.

    ``enqueue`` works whether or not the pool is started (a process may only produce
    jobs); a job queued here wakes an idle thread at once, jobs queued by other
    processes are found by polling every ``poll_interval`` seconds.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        registry: JobRegistry | None = None,
        resources: Resources | None = None,
        threads: int = DEFAULT_THREADS,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        concurrency_limit: int = DEFAULT_CONCURRENCY_LIMIT,
        clock: Clock = utcnow,
    ) -> None:
        self.registry = registry if registry is not None else load_registry()
        self.store = JobStore(engine, clock=clock, registry=self.registry)
        self.resources = resources or Resources()
        self.threads = threads
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.concurrency_limit = concurrency_limit
        self.workers: list[Worker] = []
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._doorbell = threading.Condition()

    def enqueue(self, kind: str, payload: Payload, concurrency_key: str | None = None) -> str:
        job_id = self.store.enqueue(kind, payload, concurrency_key)
        self._ring()
        return job_id

    def enqueue_in(
        self,
        session: Session,
        kind: str,
        payload: Payload,
        concurrency_key: str | None = None,
    ) -> str:
        job_id = self.store.enqueue_in(session, kind, payload, concurrency_key)
        # A thread woken before the commit would find nothing to claim.
        on_commit(session, self._ring)
        return job_id

    def _ring(self) -> None:
        with self._doorbell:
            self._doorbell.notify()

    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for index in range(self.threads):
            worker = Worker(
                self.store,
                self.registry,
                worker_id=new_worker_id(f"t{index}"),
                resources=self.resources,
                lease_seconds=self.lease_seconds,
                concurrency_limit=self.concurrency_limit,
            )
            thread = threading.Thread(
                target=worker.run,
                args=(self._stop, self._idle, self.poll_interval),
                name=f"bastion-worker-{index}",
                daemon=True,
            )
            self.workers.append(worker)
            self._threads.append(thread)
            thread.start()
        log.info("started %d job worker thread(s)", self.threads)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling and wait up to ``timeout`` seconds for running jobs. A job still
        running afterwards keeps its lease until it expires; then another process (or
        this one, restarted) runs it again."""
        self._stop.set()
        with self._doorbell:
            self._doorbell.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        self.workers.clear()

    def _idle(self, seconds: float) -> None:
        with self._doorbell:
            self._doorbell.wait(seconds)

    def __enter__(self) -> EmbeddedQueue:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

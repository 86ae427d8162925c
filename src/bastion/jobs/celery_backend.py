"""The Celery queue (``BASTION_QUEUE=celery`` with ``REDIS_URL``): the database stays the
queue, Redis only rings the doorbell.

``enqueue`` records the job in the job store exactly as the embedded queue does, then
publishes a message carrying nothing but the job id (``enqueue_in``: once the caller's
transaction has committed), so an idle Celery worker on any machine wakes up at once
instead of at its next poll. The task it runs claims work
through :meth:`JobStore.claim` (the announced job or whichever runnable one is older) and
runs it with the same :class:`~bastion.jobs.worker.Worker`, so leases, attempts, retries
after a worker's death, the per-installation concurrency limit, time limits and
exactly-once completion are the store's rules on both backends. A message is therefore
only a hint: a lost one costs a poll interval (each worker process sweeps the store and
announces runnable jobs it finds), a doubled one costs a query.

Celery is imported only here and only when this backend is chosen, so ``bastion scan``
never pays for it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bastion.clock import Clock, utcnow
from bastion.db.session import on_commit
from bastion.jobs.base import JobError, JobRegistry, Payload, Resources, load_registry
from bastion.jobs.embedded import DEFAULT_POLL_INTERVAL
from bastion.jobs.store import DEFAULT_CONCURRENCY_LIMIT, JobStore
from bastion.jobs.worker import DEFAULT_LEASE_SECONDS, Worker, new_worker_id

if TYPE_CHECKING:
    from bastion.jobs.settings import JobSettings

log = logging.getLogger(__name__)

RUN_TASK = "bastion.jobs.run"
QUEUE = "bastion"
# Sweeps between two wake-ups for the same backlog while it waits for a free slot.
ANNOUNCE_EVERY = 10

# Who runs the task in this process: Celery runs one worker per process, and its task
# functions are module-level by nature, so the runner is a process-wide slot.
_runner: CeleryRunner | None = None
_runner_lock = threading.Lock()


def make_celery_app(broker_url: str) -> Any:
    """A Celery app publishing to and consuming from ``broker_url`` (Redis)."""
    # celery ships no type hints (and pyproject has no override for it).
    from celery import Celery  # type: ignore[import-untyped]  # noqa: PLC0415

    app = Celery("bastion", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_ignore_result=True,
        # A message is acknowledged after its job ran; if the worker dies meanwhile the
        # broker redelivers it. Harmless either way: the lease decides who runs the job.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # Jobs last minutes: a worker must not hoard wake-ups that idle peers could take.
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_connection_retry_on_startup=True,
        # A request publishing a wake-up must not hang on a dead Redis: the job is
        # already in the database, and a sweeper will announce it.
        broker_transport_options={"socket_connect_timeout": 2},
        task_publish_retry_policy={
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.2,
        },
    )
    app.task(name=RUN_TASK, ignore_result=True, acks_late=True, reject_on_worker_lost=True)(
        _run_task
    )
    return app


def _run_task(job_id: str | None = None) -> int:
    runner = _runner
    if runner is None:
        raise JobError("this Celery worker has no bastion job runner (see run_worker)")
    return runner.run_jobs(job_id)


class CeleryQueue:
    """The producer side: a :class:`~bastion.jobs.base.JobBackend` whose ``start`` runs
    nothing here, because Celery jobs run in ``bastion worker`` processes."""

    def __init__(
        self,
        engine: Engine,
        broker_url: str,
        *,
        registry: JobRegistry | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.registry = registry if registry is not None else load_registry()
        self.store = JobStore(engine, clock=clock, registry=self.registry)
        self.broker_url = broker_url
        self._app: Any = None
        self._app_lock = threading.Lock()

    @property
    def app(self) -> Any:
        with self._app_lock:
            if self._app is None:
                self._app = make_celery_app(self.broker_url)
            return self._app

    def enqueue(self, kind: str, payload: Payload, concurrency_key: str | None = None) -> str:
        job_id = self.store.enqueue(kind, payload, concurrency_key)
        announce(self.app, job_id)
        return job_id

    def enqueue_in(
        self,
        session: Session,
        kind: str,
        payload: Payload,
        concurrency_key: str | None = None,
    ) -> str:
        job_id = self.store.enqueue_in(session, kind, payload, concurrency_key)
        # Only once committed: a worker woken earlier would not see the job (and a rolled
        # back one must not be announced at all).
        on_commit(session, lambda: announce(self.app, job_id))
        return job_id

    def start(self) -> None:
        """Nothing to start: workers are separate ``bastion worker`` processes."""

    def stop(self, timeout: float = 10.0) -> None:
        with self._app_lock:
            if self._app is not None:
                self._app.close()
                self._app = None


def announce(app: Any, job_id: str | None = None) -> bool:
    """Publish a wake-up; False (logged) when the broker is unreachable, since the job is
    safe in the database and the next sweep finds it."""
    try:
        app.send_task(RUN_TASK, args=[job_id], queue=QUEUE)
    except Exception:
        log.warning("job %s: could not publish its Celery message", job_id, exc_info=True)
        return False
    return True


class CeleryRunner:
    """The worker side: what the task does in one Celery worker process."""

    def __init__(
        self,
        app: Any,
        engine: Engine,
        *,
        registry: JobRegistry | None = None,
        resources: Resources | None = None,
        slots: int = 1,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        concurrency_limit: int = DEFAULT_CONCURRENCY_LIMIT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        clock: Clock = utcnow,
    ) -> None:
        self.app = app
        self.registry = registry if registry is not None else load_registry()
        self.store = JobStore(engine, clock=clock, registry=self.registry)
        self.resources = resources or Resources()
        self.slots = slots
        self.lease_seconds = lease_seconds
        self.concurrency_limit = concurrency_limit
        self.poll_interval = poll_interval
        self._local = threading.local()
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._stop = threading.Event()
        # When this process last published a wake-up nobody here has taken yet: a long
        # wait for a free slot must not pile up one message per sweep. A time, not a
        # flag, because a worker on another machine may be the one that takes it.
        self._announced_at = float("-inf")
        self._sweeper: threading.Thread | None = None

    def _worker(self) -> Worker:
        # One Worker per pool thread: a Worker keeps per-thread bookkeeping (its reap
        # clock, handler threads it had to abandon).
        worker: Worker | None = getattr(self._local, "worker", None)
        if worker is None:
            worker = Worker(
                self.store,
                self.registry,
                worker_id=new_worker_id(f"celery-{threading.get_ident()}"),
                resources=self.resources,
                lease_seconds=self.lease_seconds,
                concurrency_limit=self.concurrency_limit,
            )
            self._local.worker = worker
        return worker

    def run_jobs(self, job_id: str | None = None) -> int:
        """Run runnable jobs until none is left (or the worker is stopping); how many ran.

        Draining rather than running one job per message is what lets a job held back
        by the concurrency limit start as soon as its installation frees a slot.
        """
        self._announced_at = float("-inf")
        worker = self._worker()
        ran = 0
        with self._busy_lock:
            self._busy += 1
        try:
            while not self._stop.is_set():
                run = worker.run_once()
                if run is None:
                    break
                ran += 1
                log.info("job %s (%s) ended: %s", run.job.id, run.job.kind, run.outcome.value)
        finally:
            with self._busy_lock:
                self._busy -= 1
        if ran == 0 and job_id is not None:
            log.debug("job %s: already taken, or waiting for its installation", job_id)
        return ran

    def sweep(self) -> bool:
        """Announce work the messages missed (retries coming due, jobs freed by the
        concurrency limit, jobs of workers that died); True when it published."""
        with self._busy_lock:
            idle = self._busy < self.slots
        recently = time.monotonic() - self._announced_at < ANNOUNCE_EVERY * self.poll_interval
        if not idle or recently:
            return False
        if not self.store.has_runnable(
            self.registry.kinds(), concurrency_limit=self.concurrency_limit
        ):
            return False
        published = announce(self.app)
        if published:
            self._announced_at = time.monotonic()
        return published

    def start(self) -> None:
        if self._sweeper is not None:
            return
        self._stop.clear()
        self._sweeper = threading.Thread(
            target=self._sweep_loop, name="bastion-sweeper", daemon=True
        )
        self._sweeper.start()

    def stop_claiming(self, **_signal: object) -> None:
        """Running jobs finish; no task claims another (Celery's warm shutdown)."""
        self._stop.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._sweeper is not None:
            self._sweeper.join(timeout)
            self._sweeper = None

    def _sweep_loop(self) -> None:
        worker = self._worker()
        last_reap = float("-inf")
        while not self._stop.wait(self.poll_interval):
            try:
                # Jobs whose worker died on their last attempt are never runnable again,
                # so no message would ever lead a task to reap them.
                if time.monotonic() - last_reap >= worker.reap_interval:
                    last_reap = time.monotonic()
                    worker.reap()
                self.sweep()
            except Exception:
                # The database or Redis may be restarting; keep sweeping.
                log.exception("job sweeper: poll failed")


def install_runner(runner: CeleryRunner | None) -> None:
    global _runner  # noqa: PLW0603 - one runner per worker process, read by the task
    with _runner_lock:
        _runner = runner


def run_worker(
    engine: Engine,
    settings: JobSettings,
    *,
    resources: Resources | None = None,
    registry: JobRegistry | None = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    concurrency_limit: int = DEFAULT_CONCURRENCY_LIMIT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
) -> int:
    """Run a Celery worker in this process until it is told to stop (SIGTERM, SIGINT):
    what ``celery -A bastion.jobs.celery_app worker`` does, with BASTION_WORKERS slots.

    The pool is threads: the handler already runs on a thread of its own under the
    Worker's lease heartbeat, and one process means SIGKILL takes every job's heartbeat
    with it (a prefork child orphaned by a killed parent would keep renewing its lease).
    Returns the worker's exit code.
    """
    if not settings.redis_url:
        raise JobError("BASTION_QUEUE=celery needs REDIS_URL (the Celery broker)")
    app = make_celery_app(settings.redis_url)
    runner = CeleryRunner(
        app,
        engine,
        registry=registry,
        resources=resources,
        slots=settings.worker_threads,
        lease_seconds=lease_seconds,
        concurrency_limit=concurrency_limit,
        poll_interval=poll_interval,
    )
    from celery.signals import worker_shutting_down  # type: ignore[import-untyped]  # noqa: PLC0415

    install_runner(runner)
    worker_shutting_down.connect(runner.stop_claiming, weak=False)
    runner.start()
    try:
        worker = app.Worker(
            hostname=f"bastion-{os.getpid()}@{socket.gethostname()}",
            pool="threads",
            concurrency=settings.worker_threads,
            queues=[QUEUE],
            loglevel="INFO",
            # Workers coordinate through the database, not through Celery's chatter.
            without_gossip=True,
            without_mingle=True,
            without_heartbeat=True,
        )
        worker.start()
        code: int = worker.exitcode or 0
        return code
    finally:
        worker_shutting_down.disconnect(runner.stop_claiming)
        runner.stop()
        install_runner(None)
        app.close()

"""The job system's interface: queues, named job handlers and what a handler is given.

A domain declares its jobs in its own ``jobs.py``::

    @job("sca.scan", on_give_up=mark_incomplete)
    def run_scan(ctx: JobContext, *, scan_id: str) -> None: ...

and enqueues them, after committing the rows they refer to or in the same transaction
(``enqueue_in``), through a :class:`JobQueue`:
the database-backed store with in-process workers (``store.py``, ``embedded.py``) by
default; a Celery backend would be one more module implementing the same protocol.
Payloads hold ids only, so a handler reloads current state and a retry never acts on a
stale copy.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bastion.clock import Clock, utcnow
from bastion.db.models.jobs import JobStatus

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_TIME_LIMIT",
    "GiveUp",
    "JobBackend",
    "JobCancelled",
    "JobContext",
    "JobError",
    "JobQueue",
    "JobRegistry",
    "JobSpec",
    "JobStatus",
    "LeaseLost",
    "Payload",
    "ResourceKey",
    "Resources",
    "job",
    "load_registry",
    "registry",
]

# Seconds a job may run before it is marked timed_out (SPEC-level default for scans).
DEFAULT_TIME_LIMIT = 300.0
DEFAULT_MAX_ATTEMPTS = 3
# Modules whose import registers their jobs on the default registry.
JOB_MODULES = ("bastion.scans.jobs", "bastion.targets.jobs", "bastion.webhooks.jobs")

PayloadValue = str | int | bool | None
Payload = Mapping[str, PayloadValue]

T = TypeVar("T")


class JobError(Exception):
    """Base of the job system's errors."""


class UnknownJobKind(JobError):
    pass


class JobCancelled(JobError):
    """Raised by :meth:`JobContext.check` once the job's time is up or its lease is gone."""


class LeaseLost(JobError):
    """The job is no longer this worker's to finish (it timed out, or its lease expired
    and another worker took it over); whatever this run computed is discarded."""


class JobQueue(Protocol):
    def enqueue(self, kind: str, payload: Payload, concurrency_key: str | None = None) -> str:
        """Queue a job and return its id. Call it after committing what the job reads."""
        ...

    def enqueue_in(
        self,
        session: Session,
        kind: str,
        payload: Payload,
        concurrency_key: str | None = None,
    ) -> str:
        """Queue a job within the caller's open transaction and return its id: the job
        exists if and only if that transaction commits, together with the rows it reads.
        Workers are woken only after the commit."""
        ...


class JobBackend(JobQueue, Protocol):
    """A queue plus whatever runs its jobs, started and stopped with the server."""

    def start(self) -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...


def check_payload(payload: Payload) -> dict[str, PayloadValue]:
    """Payloads carry ids, never documents: reject anything but scalars."""
    checked: dict[str, PayloadValue] = {}
    for key, value in payload.items():
        if not isinstance(key, str) or not (value is None or isinstance(value, str | int)):
            raise TypeError(f"job payload {key!r}: only ids (str, int, bool, None) are allowed")
        checked[key] = value
    return checked


class ResourceKey(Generic[T]):
    """A typed name for something workers hand to handlers (a scan executor, a client).

    Keys instead of types so a Protocol can be looked up and the value keeps its type.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"ResourceKey({self.name!r})"


class Resources:
    def __init__(self, values: Mapping[ResourceKey[Any], Any] | None = None) -> None:
        self._values: dict[ResourceKey[Any], Any] = dict(values or {})

    def get(self, key: ResourceKey[T]) -> T:
        try:
            value: T = self._values[key]
        except KeyError:
            raise JobError(f"no {key.name} configured for this worker") from None
        return value

    def __contains__(self, key: ResourceKey[Any]) -> bool:
        return key in self._values


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Why a job stopped for good without completing."""

    status: JobStatus  # FAILED or TIMED_OUT
    reason: str
    attempts: int
    at: datetime


class JobContext:
    """What a running handler gets besides its payload."""

    def __init__(
        self,
        *,
        job_id: str,
        kind: str,
        attempt: int,
        engine: Engine,
        resources: Resources,
        time_limit: float,
        finishing: Callable[[], AbstractContextManager[Session]],
        clock: Clock = utcnow,
    ) -> None:
        self.job_id = job_id
        self.kind = kind
        self.attempt = attempt
        self.engine = engine
        self.resources = resources
        self.clock = clock
        self.deadline = time.monotonic() + time_limit
        self.cancelled = threading.Event()
        self._finishing = finishing
        self._finished = False

    @property
    def finished(self) -> bool:
        return self._finished

    def check(self) -> None:
        """Long handlers call this between steps: Python cannot stop a thread, so a job
        past its time limit stops at the next check (its result is discarded anyway)."""
        if self.cancelled.is_set() or time.monotonic() > self.deadline:
            raise JobCancelled(f"job {self.job_id} was cancelled (time limit or lease lost)")

    @contextmanager
    def finishing(self) -> Iterator[Session]:
        """A transaction that also marks the job done: the handler's final writes commit
        together with the completion, or not at all (:class:`LeaseLost`). This is what
        makes a job's effect happen exactly once when a worker is presumed dead but is
        not, or the time limit struck while it was still computing."""
        with self._finishing() as session:
            yield session
        self._finished = True


GiveUpHook = Callable[..., None]
"""``hook(session, give_up, **payload)``: runs in the transaction that ends the job."""


@dataclass(frozen=True, slots=True)
class JobSpec:
    kind: str
    handler: Callable[..., None]  # handler(ctx, **payload)
    time_limit: float = DEFAULT_TIME_LIMIT
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    on_give_up: GiveUpHook | None = None


F = TypeVar("F", bound=Callable[..., None])


@dataclass
class JobRegistry:
    specs: dict[str, JobSpec] = field(default_factory=dict)

    def register(self, spec: JobSpec) -> None:
        if spec.kind in self.specs and self.specs[spec.kind].handler is not spec.handler:
            raise JobError(f"job kind {spec.kind!r} is registered twice")
        self.specs[spec.kind] = spec

    def job(
        self,
        kind: str,
        *,
        time_limit: float = DEFAULT_TIME_LIMIT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        on_give_up: GiveUpHook | None = None,
    ) -> Callable[[F], F]:
        def register(handler: F) -> F:
            self.register(JobSpec(kind, handler, time_limit, max_attempts, on_give_up))
            return handler

        return register

    def get(self, kind: str) -> JobSpec:
        try:
            return self.specs[kind]
        except KeyError:
            raise UnknownJobKind(f"no handler for job kind {kind!r}") from None

    def kinds(self) -> list[str]:
        return sorted(self.specs)

    def __contains__(self, kind: str) -> bool:
        return kind in self.specs

    def copy(self) -> JobRegistry:
        return JobRegistry(dict(self.specs))


registry = JobRegistry()
job = registry.job


def load_registry() -> JobRegistry:
    """The default registry with every domain's jobs imported (for workers)."""
    for module in JOB_MODULES:
        importlib.import_module(module)
    return registry

"""Background jobs: a queue interface, named handlers, a database-backed store with
leases, in-process workers, and per-installation request limits."""

from bastion.jobs.base import (
    GiveUp,
    JobContext,
    JobQueue,
    JobRegistry,
    ResourceKey,
    Resources,
    job,
    load_registry,
)
from bastion.jobs.embedded import EmbeddedQueue
from bastion.jobs.store import JobRecord, JobStore

__all__ = [
    "EmbeddedQueue",
    "GiveUp",
    "JobContext",
    "JobQueue",
    "JobRecord",
    "JobRegistry",
    "JobStore",
    "ResourceKey",
    "Resources",
    "job",
    "load_registry",
]

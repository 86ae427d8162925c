"""From configuration to the job backend the server starts."""

from __future__ import annotations

from typing import assert_never

from sqlalchemy import Engine

from bastion.jobs.base import JobBackend, JobError, Resources
from bastion.jobs.embedded import EmbeddedQueue
from bastion.jobs.settings import JobSettings, QueueBackend


def make_backend(
    engine: Engine, settings: JobSettings, *, resources: Resources | None = None
) -> JobBackend:
    match settings.queue:
        case QueueBackend.EMBEDDED:
            return EmbeddedQueue(engine, resources=resources, threads=settings.worker_threads)
        case QueueBackend.CELERY:
            if not settings.redis_url:
                raise JobError("BASTION_QUEUE=celery needs REDIS_URL (the Celery broker)")
            # Imported here: only Celery deployments pay for importing celery.
            from bastion.jobs.celery_backend import CeleryQueue  # noqa: PLC0415

            # No resources: Celery jobs run in `bastion worker` processes, not here.
            return CeleryQueue(engine, settings.redis_url)
        case _:
            assert_never(settings.queue)

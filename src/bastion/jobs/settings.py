"""Which queue runs jobs, and how many worker threads (SPEC §5)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bastion.jobs.embedded import DEFAULT_THREADS


class QueueBackend(StrEnum):
    EMBEDDED = "embedded"
    CELERY = "celery"


class JobSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    queue: QueueBackend = Field(default=QueueBackend.EMBEDDED, validation_alias="BASTION_QUEUE")
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    worker_threads: int = Field(
        default=DEFAULT_THREADS, ge=1, le=64, validation_alias="BASTION_WORKERS"
    )
    # Processes the scanning step of SCA jobs runs in (bastion.scans.isolation); unset:
    # one per worker thread; 0: on the worker threads themselves.
    scan_processes: int | None = Field(
        default=None, ge=0, le=64, validation_alias="BASTION_SCAN_PROCESSES"
    )

    @property
    def resolved_scan_processes(self) -> int:
        return self.worker_threads if self.scan_processes is None else self.scan_processes

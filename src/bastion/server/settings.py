"""Server-only settings (SPEC §5); database, GitHub and queue settings have their own."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bastion.jobs.ratelimit import SCAN_REQUESTS

DEFAULT_PORT = 8080
DEFAULT_SCAN_WAIT = 3.0


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="", extra="ignore", case_sensitive=False, populate_by_name=True
    )

    port: int = Field(default=DEFAULT_PORT, ge=1, le=65535, validation_alias="PORT")
    allow_anonymous_api: bool = Field(default=False, validation_alias="BASTION_ALLOW_ANONYMOUS_API")
    # How long POST /api/scan waits for a result before answering 202.
    scan_wait_seconds: float = Field(
        default=DEFAULT_SCAN_WAIT, ge=0, le=60, validation_alias="BASTION_SCAN_WAIT"
    )
    # SPEC §2 fixes 60; lowering it is for tests and load experiments.
    scan_requests_per_hour: int = Field(
        default=SCAN_REQUESTS.limit, ge=0, validation_alias="BASTION_SCAN_RATE_LIMIT"
    )
    # Start the embedded worker pool inside the server process (`bastion serve` does).
    run_workers: bool = Field(default=True, validation_alias="BASTION_SERVE_WORKERS")

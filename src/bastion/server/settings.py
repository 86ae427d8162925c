"""Server-only settings (SPEC §5); database, GitHub and queue settings have their own."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bastion.jobs.ratelimit import SCAN_REQUESTS, RateLimit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_SCAN_WAIT = 3.0
# Threads for the blocking part of requests (database, GitHub). AnyIO's default of 40
# lets that many threads fight the event loop for the GIL on a small machine: at 100
# requests/s on 2 cores, 4 threads took p99 of POST /api/scan from ~250 ms to 60-140 ms.
DEFAULT_REQUEST_THREADS = 4
# Per token and minute: a ceiling against runaway clients, far above what pip-audit
# (one query per package) or osv-scanner (a batch, then one GET per advisory) send.
DEFAULT_OSV_API_RATE_LIMIT = 3000
DEFAULT_OSV_API_PAGE_SIZE = 1000


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        # Any other name may resolve to a reachable address: treat it as exposed.
        return False


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="", extra="ignore", case_sensitive=False, populate_by_name=True
    )

    # The address `bastion serve` binds; it decides whether the OSV API needs a token.
    host: str = Field(default=DEFAULT_HOST, validation_alias="BASTION_HOST")
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
    request_threads: int = Field(
        default=DEFAULT_REQUEST_THREADS, ge=1, le=256, validation_alias="BASTION_REQUEST_THREADS"
    )
    # Start the embedded worker pool inside the server process (`bastion serve` does).
    run_workers: bool = Field(default=True, validation_alias="BASTION_SERVE_WORKERS")
    # /v1 (the OSV API): unset means "token required unless bound to a loopback address".
    osv_api_require_token: bool | None = Field(
        default=None, validation_alias="BASTION_OSV_API_REQUIRE_TOKEN"
    )
    # Requests per minute per API token while a token is required; 0 turns the limit off.
    osv_api_rate_limit: int = Field(
        default=DEFAULT_OSV_API_RATE_LIMIT, ge=0, validation_alias="BASTION_OSV_API_RATE_LIMIT"
    )
    # Advisories per page of a /v1/query or /v1/querybatch answer (OSV.dev pages at 1,000).
    osv_api_page_size: int = Field(
        default=DEFAULT_OSV_API_PAGE_SIZE,
        ge=1,
        le=10000,
        validation_alias="BASTION_OSV_API_PAGE_SIZE",
    )

    # SPEC §5: comma-separated CIDRs and host names DAST targets may use although they
    # are loopback, private or link-local (bastion.dast.policy reads it).
    dast_allowed_networks: str = Field(default="", validation_alias="BASTION_DAST_ALLOWED_NETWORKS")
    # Key for secrets stored at rest (DAST targets' authentication headers): a Fernet key
    # (urlsafe base64 of 32 bytes). Unset: a key generated once into the data directory.
    secret_key: str | None = Field(default=None, validation_alias="BASTION_SECRET_KEY")

    @property
    def osv_api_token_required(self) -> bool:
        if self.osv_api_require_token is not None:
            return self.osv_api_require_token
        return not is_loopback(self.host)

    def osv_api_limit(self) -> RateLimit | None:
        """The per-token limit, or None when requests are not limited. Without a required
        token callers cannot be told apart (on loopback they all come from 127.0.0.1), so
        the limit applies only where a token is required."""
        if not self.osv_api_token_required or self.osv_api_rate_limit == 0:
            return None
        return RateLimit(self.osv_api_rate_limit, timedelta(minutes=1))

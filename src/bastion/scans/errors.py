"""Errors of the scan API, as SPEC §2 codes; the HTTP layer renders ``code`` and
``message`` into the error envelope."""

from __future__ import annotations

from bastion.errors import BastionError


class ScanError(BastionError):
    code = "scan_error"
    status_code = 500
    default_message = "The scan could not be processed"


class InvalidRequest(ScanError):
    code = "invalid_request"
    status_code = 400
    default_message = "Invalid request"


class ScanNotFound(ScanError):
    code = "scan_not_found"
    status_code = 404
    default_message = "Scan not found"


class RateLimited(ScanError):
    code = "rate_limited"
    status_code = 429
    default_message = "Rate limit exceeded, try again later"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        # Seconds, for the Retry-After header.
        self.retry_after = retry_after

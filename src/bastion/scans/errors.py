"""Errors of the scan API, as SPEC §2 codes (same shape as bastion.github.errors: the
HTTP layer renders ``code`` and ``message`` into the error envelope)."""

from __future__ import annotations

from typing import ClassVar


class ScanError(Exception):
    code: ClassVar[str] = "scan_error"
    status_code: ClassVar[int] = 500
    default_message: ClassVar[str] = "The scan could not be processed"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


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

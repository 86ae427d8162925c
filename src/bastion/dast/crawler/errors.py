"""What discovery raises. Everything else the target does wrong becomes a note or a stat."""

from __future__ import annotations

from typing import ClassVar

from bastion.errors import BastionError


class TargetError(BastionError):
    """The target could not be reached or kept failing (after retries)."""

    code: ClassVar[str] = "dast_target_error"
    status_code: ClassVar[int] = 502
    default_message: ClassVar[str] = "The scan target failed"


class ClientStopped(TargetError):
    """The client refuses further requests. ``reason`` uses the words of
    ``ScanStats.stop_reason``: "request budget", "time budget", "target failing: …"."""

    code: ClassVar[str] = "dast_client_stopped"

    def __init__(self, reason: str) -> None:
        super().__init__(f"client stopped: {reason}")
        self.reason = reason


class ScopeError(BastionError):
    """An include/exclude pattern of the scan options is not a valid regular expression."""

    code: ClassVar[str] = "dast_invalid_scope"
    status_code: ClassVar[int] = 400
    default_message: ClassVar[str] = "Invalid scan scope"


class OpenApiError(TargetError):
    """An API definition that cannot be read or is not OpenAPI 3.x / Swagger 2.0."""

    code: ClassVar[str] = "dast_openapi_invalid"
    status_code: ClassVar[int] = 400
    default_message: ClassVar[str] = "Invalid API definition"

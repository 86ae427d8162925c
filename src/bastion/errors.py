"""The one error base every domain derives from, so one handler renders SPEC's envelope.

Each subclass names its SPEC ``code`` and HTTP ``status_code``; ``message`` is safe to
show to API callers, ``detail`` (optional) says more, for logs and the CLI.
"""

from __future__ import annotations

from typing import ClassVar


class BastionError(Exception):
    code: ClassVar[str] = "internal_error"
    status_code: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal server error"

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        self.message = message or self.default_message
        self.detail = detail
        super().__init__(self.message if detail is None else f"{self.message}: {detail}")

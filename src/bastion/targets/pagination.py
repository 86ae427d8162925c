"""Keyset pagination, newest first: a cursor names the last row of the previous page by
its creation time and id, so pages stay stable while rows are added."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from bastion.targets.errors import InvalidTargetRequest


@dataclass(frozen=True, slots=True)
class Cursor:
    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        text = f"{self.created_at.astimezone(UTC).isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Raises :class:`InvalidTargetRequest` for anything ``encode`` did not make."""
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            stamp, _, raw_id = text.partition("|")
            created_at = datetime.fromisoformat(stamp)
            if created_at.tzinfo is None:
                raise ValueError("naive time")
            return cls(created_at.astimezone(UTC), uuid.UUID(raw_id))
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise InvalidTargetRequest(
                "Invalid cursor: pass nextCursor as it was returned"
            ) from None

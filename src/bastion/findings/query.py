"""What a findings search asks for: filters, sort order and the page cursor, parsed
from query parameters into typed values (or :class:`InvalidFindingsRequest`).

List parameters may be repeated or comma-separated (``?severity=HIGH,critical`` or
``?severity=HIGH&severity=CRITICAL``) and compare case-insensitively.

The cursor is opaque to clients: URL-safe base64 of ``[version, sort, key, id]``, the
sort key and id of the last finding of the page. The next page is the rows strictly
after that pair in the sort order (keyset pagination), so rows inserted between two
requests never shift a page: no finding is shown twice or skipped because of them.
A finding whose sort key changes between pages (seen again, so ``lastSeen`` moved) may
move across the cursor — the cost of not holding a snapshot open.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum, StrEnum
from typing import TypeVar

import orjson

from bastion.db.models.findings import FindingStatus, ScanType
from bastion.findings.errors import InvalidFindingsRequest
from bastion.findings.fingerprint import normalize_repository
from bastion.models import Severity

E = TypeVar("E", bound=Enum)

CURSOR_VERSION = 1
MAX_CURSOR_LENGTH = 512
MAX_TEXT_QUERY = 200


class SortKey(StrEnum):
    """Sort orders; a leading ``-`` is descending (highest severity, newest first)."""

    SEVERITY_DESC = "-severity"
    SEVERITY = "severity"
    LAST_SEEN_DESC = "-lastSeen"
    LAST_SEEN = "lastSeen"
    FIRST_SEEN_DESC = "-firstSeen"
    FIRST_SEEN = "firstSeen"

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")

    @property
    def by_severity(self) -> bool:
        return self in (SortKey.SEVERITY, SortKey.SEVERITY_DESC)


DEFAULT_SORT = SortKey.SEVERITY_DESC

CursorKey = int | datetime


@dataclass(frozen=True, slots=True)
class Cursor:
    sort: SortKey
    key: CursorKey  # severity rank, or a first/last-seen time
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class FindingFilter:
    """Empty sets match everything: by default every scan type, severity and status."""

    scan_types: frozenset[ScanType] = frozenset()
    severities: frozenset[Severity] = frozenset()
    statuses: frozenset[FindingStatus] = frozenset()
    repository: str | None = None
    target_id: uuid.UUID | None = None
    text: str | None = None


def parse_choices(values: Iterable[str] | None, choices: type[E], parameter: str) -> frozenset[E]:
    """Repeated and comma-separated values, case-insensitively, as enum members."""
    by_name = {str(member.value).lower(): member for member in choices}
    chosen: set[E] = set()
    for value in values or ():
        for part in value.split(","):
            name = part.strip().lower()
            if not name:
                continue
            member = by_name.get(name)
            if member is None:
                allowed = ", ".join(str(m.value) for m in choices)
                raise InvalidFindingsRequest(
                    f"Invalid value for {parameter}: {part.strip()[:50]!r} (use {allowed})"
                )
            chosen.add(member)
    return frozenset(chosen)


def parse_sort(value: str | None) -> SortKey:
    if value is None or not value.strip():
        return DEFAULT_SORT
    for key in SortKey:
        if key.value.lower() == value.strip().lower():
            return key
    allowed = ", ".join(key.value for key in SortKey)
    raise InvalidFindingsRequest(f"Invalid value for sort: {value.strip()[:50]!r} (use {allowed})")


def parse_text(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > MAX_TEXT_QUERY:
        raise InvalidFindingsRequest(f"Invalid value for q: at most {MAX_TEXT_QUERY} characters")
    _no_control_characters(text, "q")
    return text


def parse_repository(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    _no_control_characters(value, "repository")
    owner, slash, repo = value.strip().partition("/")
    if not (slash and owner and repo) or "/" in repo or len(value.strip()) > 201:
        raise InvalidFindingsRequest("Invalid value for repository: use owner/repo")
    return normalize_repository(value)


def _no_control_characters(value: str, parameter: str) -> None:
    # Never in a name or a title; and PostgreSQL refuses NUL in any text parameter.
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise InvalidFindingsRequest(f"Invalid value for {parameter}: control characters")


def encode_cursor(cursor: Cursor) -> str:
    key = cursor.key.isoformat() if isinstance(cursor.key, datetime) else cursor.key
    raw = orjson.dumps([CURSOR_VERSION, cursor.sort.value, key, str(cursor.id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str, sort: SortKey) -> Cursor:
    """The cursor ``encode_cursor`` made for this sort order, or InvalidFindingsRequest."""
    if len(value) > MAX_CURSOR_LENGTH:
        raise _invalid_cursor()
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        version, sort_name, key, row_id = orjson.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        # ValueError covers bad base64 characters, bad JSON and a wrong element count.
        raise _invalid_cursor() from None
    if version != CURSOR_VERSION or not isinstance(sort_name, str):
        raise _invalid_cursor()
    if sort_name != sort.value:
        raise InvalidFindingsRequest(
            "Invalid cursor: it was made for another sort order; start again without cursor"
        )
    return Cursor(sort, _cursor_key(key, sort), _cursor_id(row_id))


def _cursor_key(key: object, sort: SortKey) -> CursorKey:
    if sort.by_severity:
        # bool is an int to Python, not to the cursor.
        if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 100:
            return key
        raise _invalid_cursor()
    if not isinstance(key, str):
        raise _invalid_cursor()
    try:
        when = datetime.fromisoformat(key)
        if when.tzinfo is None:
            raise _invalid_cursor()
        # In UTC now: a far-off offset near year 1 or 9999 would overflow at bind time.
        return when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _invalid_cursor() from None


def _cursor_id(row_id: object) -> uuid.UUID:
    if not isinstance(row_id, str):
        raise _invalid_cursor()
    try:
        return uuid.UUID(row_id)
    except ValueError:
        raise _invalid_cursor() from None


def _invalid_cursor() -> InvalidFindingsRequest:
    return InvalidFindingsRequest(
        "Invalid cursor: pass the nextCursor of the previous page unchanged"
    )

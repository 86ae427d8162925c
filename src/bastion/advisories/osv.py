"""Reading OSV records: validation and the fields bastion derives from them.

Validation is hand-written rather than a JSON Schema pass because import speed is a
feature (thousands of records per second) and only the fields matching relies on need
checking; everything else is kept verbatim in the stored record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bastion.advisories.severity import score_record
from bastion.ecosystems import normalize_package_name, parse_ecosystem
from bastion.models import Severity


class InvalidRecord(ValueError):
    """The document is not a usable OSV record; the message says why."""


@dataclass(frozen=True, slots=True)
class AffectedRow:
    ecosystem: str
    name: str
    data: str


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    id: str
    modified: str
    published: str | None
    withdrawn: str | None
    summary: str
    details: str
    aliases: tuple[str, ...]
    severity: Severity
    cvss_score: float | None
    cvss_vector: str | None
    url: str
    informational: str | None
    record: str
    affected: tuple[AffectedRow, ...]


def normalize_timestamp(value: str) -> str:
    """RFC 3339 → fixed-width UTC with microseconds, so string order is time order.

    osv.dev writes fractional seconds with trailing zeros dropped, so the raw strings do
    not sort lexically ("…17.2883Z" < "…17Z").
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # fromisoformat accepts at most 6 fractional digits; real records carry up to 9.
    if "." in text:
        head, _, rest = text.partition(".")
        digits = ""
        for ch in rest:
            if not ch.isdigit():
                break
            digits += ch
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest[len(digits) :]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidRecord(f"timestamp {value!r} is not RFC 3339") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return format_timestamp(parsed)


def format_timestamp(moment: datetime) -> str:
    # isoformat, unlike strftime's %Y, zero-pads years before 1000 (PYSEC-2024-55 has
    # "0001-01-01T00:00:00Z").
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def advisory_url(vuln_id: str) -> str:
    return f"https://osv.dev/vulnerability/{vuln_id}"


def _require_str(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecord(f"'{key}' must be a non-empty string")
    return value


def _optional_str(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecord(f"'{key}' must be a string")
    return value


def _validate_affected(entry: Any, index: int) -> tuple[str, str] | None:
    """Checks the parts matching reads; returns (ecosystem, name) when it names a package."""
    where = f"affected[{index}]"
    if not isinstance(entry, dict):
        raise InvalidRecord(f"{where} must be an object")
    ranges = entry.get("ranges", [])
    if not isinstance(ranges, list):
        raise InvalidRecord(f"{where}.ranges must be a list")
    for r_index, rng in enumerate(ranges):
        if not isinstance(rng, dict) or not isinstance(rng.get("type"), str):
            raise InvalidRecord(f"{where}.ranges[{r_index}] needs a 'type'")
        events = rng.get("events")
        if not isinstance(events, list):
            raise InvalidRecord(f"{where}.ranges[{r_index}].events must be a list")
        for event in events:
            if not isinstance(event, dict) or not all(isinstance(v, str) for v in event.values()):
                raise InvalidRecord(f"{where}.ranges[{r_index}] has a malformed event")
    versions = entry.get("versions", [])
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise InvalidRecord(f"{where}.versions must be a list of strings")
    package = entry.get("package")
    if package is None:
        return None  # e.g. a GIT-only entry: valid OSV, nothing to index by package
    if not isinstance(package, dict):
        raise InvalidRecord(f"{where}.package must be an object")
    ecosystem, name = package.get("ecosystem"), package.get("name")
    if not isinstance(ecosystem, str) or not isinstance(name, str) or not name:
        raise InvalidRecord(f"{where}.package needs 'ecosystem' and 'name' strings")
    return ecosystem, name


def _informational(record: dict[str, Any], affected: list[Any]) -> str | None:
    """RustSec's notice kind ("unmaintained", "unsound", …); it sits on the affected entry."""
    holders = [record, *(entry for entry in affected if isinstance(entry, dict))]
    for holder in holders:
        database_specific = holder.get("database_specific")
        if isinstance(database_specific, dict):
            value = database_specific.get("informational")
            if isinstance(value, str) and value:
                return value
    return None


def parse_record(raw: bytes | str) -> ParsedRecord:
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRecord(f"not JSON: {exc}") from exc
    if not isinstance(record, dict):
        raise InvalidRecord("not a JSON object")

    vuln_id = _require_str(record, "id").strip()
    modified = normalize_timestamp(_require_str(record, "modified"))
    published = _optional_str(record, "published")
    withdrawn = _optional_str(record, "withdrawn")
    summary = _optional_str(record, "summary") or ""
    details = _optional_str(record, "details") or ""
    aliases = record.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise InvalidRecord("'aliases' must be a list of strings")
    affected = record.get("affected") or []
    if not isinstance(affected, list):
        raise InvalidRecord("'affected' must be a list")

    rows: list[AffectedRow] = []
    for index, entry in enumerate(affected):
        package = _validate_affected(entry, index)
        if package is None:
            continue
        eco_name, name = package
        ecosystem = parse_ecosystem(eco_name)
        # Unknown ecosystems are still indexed (under their own base name) so the full
        # record is served and a future version of bastion can match them.
        base = ecosystem.value if ecosystem else eco_name.split(":", 1)[0]
        key = normalize_package_name(ecosystem, name) if ecosystem else name
        rows.append(AffectedRow(base, key, json.dumps(entry, separators=(",", ":"))))

    score, vector, severity = score_record(record)

    return ParsedRecord(
        id=vuln_id,
        modified=modified,
        published=published,
        withdrawn=withdrawn,
        summary=summary,
        details=details,
        aliases=tuple(aliases),
        severity=severity,
        cvss_score=score,
        cvss_vector=vector,
        url=advisory_url(vuln_id),
        informational=_informational(record, affected),
        record=raw.decode("utf-8") if isinstance(raw, bytes) else raw,
        affected=tuple(rows),
    )

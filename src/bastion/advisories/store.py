"""Read side of the advisory mirror: the look-ups a scan makes, and statistics."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from sqlalchemy import Engine, distinct, func, select

from bastion.db.tables import Advisory, Affected, SyncState
from bastion.ecosystems import Ecosystem
from bastion.models import AffectedImport, Severity, Vulnerability

_IN_CHUNK = 900


@dataclass(frozen=True, slots=True)
class AffectedEntry:
    advisory_id: str
    name: str  # normalised package name
    entry: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AdvisoryInfo:
    """What a finding shows about an advisory, as stored at import time."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    details: str
    severity: Severity
    cvss_score: float | None
    cvss_vector: str | None
    url: str
    informational: str | None
    published: str | None
    modified: str

    def to_vulnerability(
        self, fixed_version: str | None, ranges: str, imports: tuple[AffectedImport, ...] = ()
    ) -> Vulnerability:
        return Vulnerability(
            id=self.id,
            aliases=self.aliases,
            summary=self.summary,
            details=self.details,
            severity=self.severity,
            cvss_score=self.cvss_score,
            cvss_vector=self.cvss_vector,
            fixed_version=fixed_version,
            affected_ranges=ranges,
            url=self.url,
            informational=self.informational,
            published=self.published,
            modified=self.modified,
            affected_imports=imports,
        )


@dataclass(frozen=True, slots=True)
class EcosystemStats:
    ecosystem: str
    records: int
    withdrawn: int
    last_sync: str | None
    last_import: str | None
    source: str | None


class AdvisorySource(Protocol):
    """Where a scan gets advisories from (the local mirror today, a remote API later)."""

    def record_count(self) -> int: ...

    def affected_entries(
        self, ecosystem: Ecosystem, names: Iterable[str]
    ) -> dict[str, list[AffectedEntry]]: ...

    def advisories(self, ids: Iterable[str]) -> dict[str, AdvisoryInfo]: ...


class LocalMirror:
    """The database-backed mirror. Withdrawn records are invisible to scans."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record_count(self) -> int:
        with self.engine.connect() as conn:
            count = conn.execute(
                select(func.count()).select_from(Advisory).where(Advisory.withdrawn.is_(None))
            ).scalar_one()
        return int(count)

    def affected_entries(
        self, ecosystem: Ecosystem, names: Iterable[str]
    ) -> dict[str, list[AffectedEntry]]:
        wanted = sorted(set(names))
        found: dict[str, list[AffectedEntry]] = defaultdict(list)
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                rows = conn.execute(
                    select(Affected.advisory_id, Affected.name, Affected.data)
                    .join(Advisory, Advisory.id == Affected.advisory_id)
                    .where(
                        Affected.ecosystem == ecosystem.value,
                        Affected.name.in_(chunk),
                        Advisory.withdrawn.is_(None),
                    )
                )
                for row in rows:
                    found[row.name].append(
                        AffectedEntry(row.advisory_id, row.name, _loads(row.data))
                    )
        return found

    def advisories(self, ids: Iterable[str]) -> dict[str, AdvisoryInfo]:
        wanted = sorted(set(ids))
        result: dict[str, AdvisoryInfo] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                rows = conn.execute(
                    select(
                        Advisory.id,
                        Advisory.aliases,
                        Advisory.summary,
                        Advisory.details,
                        Advisory.severity,
                        Advisory.cvss_score,
                        Advisory.cvss_vector,
                        Advisory.url,
                        Advisory.informational,
                        Advisory.published,
                        Advisory.modified,
                    ).where(Advisory.id.in_(chunk))
                )
                for row in rows:
                    result[row.id] = AdvisoryInfo(
                        id=row.id,
                        aliases=tuple(json.loads(row.aliases)),
                        summary=row.summary,
                        details=row.details,
                        severity=Severity(row.severity),
                        cvss_score=row.cvss_score,
                        cvss_vector=row.cvss_vector,
                        url=row.url,
                        informational=row.informational,
                        published=row.published,
                        modified=row.modified,
                    )
        return result

    def stats(self) -> list[EcosystemStats]:
        with self.engine.connect() as conn:
            per_ecosystem = (
                select(Affected.ecosystem, func.count(distinct(Affected.advisory_id)))
                .join(Advisory, Advisory.id == Affected.advisory_id)
                .group_by(Affected.ecosystem)
            )
            live = {
                eco: int(count)
                for eco, count in conn.execute(per_ecosystem.where(Advisory.withdrawn.is_(None)))
            }
            withdrawn = {
                eco: int(count)
                for eco, count in conn.execute(per_ecosystem.where(Advisory.withdrawn.is_not(None)))
            }
            states = {row.ecosystem: row for row in conn.execute(select(SyncState))}
        names = sorted(set(live) | set(withdrawn) | set(states), key=str.lower)
        return [
            EcosystemStats(
                ecosystem=name,
                records=int(live.get(name, 0)),
                withdrawn=int(withdrawn.get(name, 0)),
                last_sync=states[name].synced_at if name in states else None,
                last_import=states[name].imported_at if name in states else None,
                source=states[name].source if name in states else None,
            )
            for name in names
        ]


def _loads(data: str) -> Any:
    # orjson is 3x faster on the scan's hot path but rejects integers beyond 64 bits,
    # which valid JSON (and so a stored record) may contain.
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)

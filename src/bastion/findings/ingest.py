"""Record a completed scan in the findings store: upsert what it reported, fix what it
no longer reports.

Both functions take the caller's session and write in its transaction, so a scan's own
result and its findings commit together (or not at all). Call them for completed scans
only: a scan that failed or timed out saw nothing, and must not mark anything fixed.

The lifecycle, per finding of the scanned repository or target:

* not known yet → ``open`` (``first_seen_at`` = ``last_seen_at`` = now);
* known and ``open`` → stays open, ``last_seen_at`` and the details move;
* known and ``fixed`` → ``open`` again (``fixed_at`` cleared), counted as reopened;
* known and ``ignored`` → stays ignored, ``last_seen_at`` and the details move;
* ``open`` but not reported by this scan → ``fixed`` (``fixed_at`` = now).

Several findings of one scan with one fingerprint (a package locked in two files, one
endpoint reached with different query strings) are merged into one row: the highest
severity wins, an SCA finding is imported if any of them is.

Concurrency: ingestion of one repository or target is serialised by a transaction-level
advisory lock on PostgreSQL (SQLite has a single writer anyway), so the counts and the
"no longer reported" step see a consistent picture; rows are written with
``INSERT … ON CONFLICT DO UPDATE`` on the (organisation, fingerprint) unique index, so
even a writer outside that lock can never make a duplicate or a unique-violation.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import ColumnElement, String, Table, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bastion.dast.model import DastFinding
from bastion.db.models.findings import FindingStatus, ScanType, SecurityFinding
from bastion.findings.fingerprint import (
    dast_fingerprint,
    endpoint_url,
    normalize_repository,
    sca_fingerprint,
)
from bastion.models import Finding, Severity

# Rows per statement: well under SQLite's and PostgreSQL's bound-parameter limits with
# ~30 columns a row, and large enough that a 2,000-finding scan is a handful of trips.
BATCH = 500
# Free text from scanners (evidence, advisory details) is capped in ``details``: the
# store is for triage, the scan's own report keeps everything.
MAX_DETAIL_TEXT = 4000

# Core statements on the table: bulk writes without the ORM's per-row bookkeeping.
_TABLE = cast(Table, SecurityFinding.__table__)
_CONFIDENCE_RANK = {"high": 2, "medium": 1, "low": 0}


@dataclass(frozen=True, slots=True)
class IngestSummary:
    """What one scan changed. ``new + updated + reopened + ignored`` is the number of
    distinct findings the scan reported; ``fixed`` counts those it no longer did."""

    new: int = 0
    updated: int = 0  # known, open, and still open
    reopened: int = 0  # was fixed, reported again
    fixed: int = 0  # was open, not reported by this scan
    ignored: int = 0  # reported again but ignored by a person: stays ignored


def record_sca_scan(
    session: Session,
    *,
    organization_id: uuid.UUID,
    repository: str,
    scan_id: uuid.UUID,
    findings: Sequence[Finding],
    now: datetime,
    unreadable_sources: Collection[str] = (),
    rows: list[dict[str, Any]] | None = None,
) -> IngestSummary:
    """Record a completed dependency scan of ``repository`` (``owner/repo``).

    ``rows`` are ``prepare_sca_rows`` of the same arguments, when the caller computed
    them before its transaction.

    ``unreadable_sources`` are the files the scan could not read (its non-fatal errors):
    a finding from one of them is not reported, but not fixed either — a lockfile that
    broke says nothing about whether its packages were upgraded.
    """
    repo = normalize_repository(repository)
    if rows is None:
        rows = prepare_sca_rows(repository, scan_id, findings, now)
    rows = [{**row, "organization_id": organization_id} for row in rows]
    return _record(
        session,
        organization_id=organization_id,
        scope=(ScanType.SCA, repo),
        scope_clause=_TABLE.c.repository == repo,
        scan_id=scan_id,
        rows=rows,
        now=now,
        unreadable_sources=frozenset(unreadable_sources),
    )


def prepare_sca_rows(
    repository: str, scan_id: uuid.UUID, findings: Sequence[Finding], now: datetime
) -> list[dict[str, Any]]:
    """The store's rows for a dependency scan's findings, merged by fingerprint, without
    their organisation: pure computation, which a worker does before its write
    transaction (on SQLite every API request that writes waits for that transaction)."""
    repo = normalize_repository(repository)
    return _merge((_sca_row(repo, scan_id, finding, now) for finding in findings), _merge_sca)


def record_dast_scan(
    session: Session,
    *,
    organization_id: uuid.UUID,
    target_id: uuid.UUID,
    target_url: str,
    scan_id: uuid.UUID,
    findings: Sequence[DastFinding],
    now: datetime,
) -> IngestSummary:
    """Record a completed app scan of the target ``target_id`` (registered as
    ``target_url``)."""
    rows = _merge(
        (
            _dast_row(
                finding,
                organization_id=organization_id,
                target_id=target_id,
                target_url=target_url,
                scan_id=scan_id,
                now=now,
            )
            for finding in findings
        ),
        _merge_dast,
    )
    return _record(
        session,
        organization_id=organization_id,
        scope=(ScanType.DAST, str(target_id)),
        scope_clause=_TABLE.c.target_id == target_id,
        scan_id=scan_id,
        rows=rows,
        now=now,
    )


def _record(
    session: Session,
    *,
    organization_id: uuid.UUID,
    scope: tuple[ScanType, str],
    scope_clause: ColumnElement[bool],
    scan_id: uuid.UUID,
    rows: list[dict[str, Any]],
    now: datetime,
    unreadable_sources: frozenset[str] = frozenset(),
) -> IngestSummary:
    _lock_scope(session, organization_id, scope)
    known = _known_statuses(session, organization_id, [row["fingerprint"] for row in rows])
    for chunk in _batches(rows):
        session.execute(_upsert_statement(session), chunk)
    missing = (
        _TABLE.c.organization_id == organization_id,
        _TABLE.c.scan_type == scope[0].value,
        scope_clause,
        _TABLE.c.status == FindingStatus.OPEN.value,
        _TABLE.c.last_scan_id != scan_id,
    )
    fixed = _fix_missing(session, missing, unreadable_sources, now)
    before = [known.get(row["fingerprint"]) for row in rows]
    return IngestSummary(
        new=before.count(None),
        updated=before.count(FindingStatus.OPEN.value),
        reopened=before.count(FindingStatus.FIXED.value),
        fixed=fixed,
        ignored=before.count(FindingStatus.IGNORED.value),
    )


def _fix_missing(
    session: Session,
    missing: Sequence[ColumnElement[bool]],
    unreadable: frozenset[str],
    now: datetime,
) -> int:
    """Mark the ``missing`` findings fixed, except those from a file the scan could not
    read. Sources live in the JSON details, so they are compared here rather than in SQL
    (portable JSON queries differ by database); rows are read only when files went
    unread, and then fixed by id in batches."""
    batches: list[tuple[ColumnElement[bool], ...]] = [()]
    if unreadable:
        found = session.execute(select(_TABLE.c.id, _TABLE.c.details).where(*missing))
        ids = [
            row_id
            for row_id, details in found
            if not unreadable.intersection(orjson.loads(details).get("sources", ()))
        ]
        batches = [(_TABLE.c.id.in_(ids[i : i + BATCH]),) for i in range(0, len(ids), BATCH)]
    return sum(
        len(
            session.execute(
                update(_TABLE)
                .where(*missing, *batch)
                .values(status=FindingStatus.FIXED.value, fixed_at=now)
                .returning(_TABLE.c.id)
            ).all()
        )
        for batch in batches
    )


def _lock_scope(session: Session, organization_id: uuid.UUID, scope: tuple[ScanType, str]) -> None:
    """Serialise ingestion of one repository or target until the transaction ends."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: write_session's BEGIN IMMEDIATE already admits one writer
    digest = hashlib.sha256(f"findings:{organization_id}:{scope[0]}:{scope[1]}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(select(func.pg_advisory_xact_lock(key)))


def _known_statuses(
    session: Session, organization_id: uuid.UUID, fingerprints: list[str]
) -> dict[str, str]:
    known: dict[str, str] = {}
    for start in range(0, len(fingerprints), BATCH):
        found = session.execute(
            select(_TABLE.c.fingerprint, _TABLE.c.status).where(
                _TABLE.c.organization_id == organization_id,
                _TABLE.c.fingerprint.in_(fingerprints[start : start + BATCH]),
            )
        )
        known.update((fingerprint, status) for fingerprint, status in found)
    return known


def _upsert_statement(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_TABLE)
    new = statement.excluded
    reported_again = {
        name: new[name]
        for name in (
            "severity",
            "severity_rank",
            "title",
            "rule_id",
            "cwe",
            "version",
            "fixed_version",
            "is_imported",
            "target_url",
            "method",
            "endpoint",
            "parameter",
            "details",
            "last_seen_at",
            "last_scan_id",
        )
    }
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.organization_id, _TABLE.c.fingerprint],
        set_={
            **reported_again,
            # fixed → open (reopened); open and ignored stay as they are.
            "status": case(
                (_TABLE.c.status == FindingStatus.FIXED.value, FindingStatus.OPEN.value),
                else_=_TABLE.c.status,
            ),
            # Reported now, so not fixed: also cleared on an ignored row that was fixed
            # before someone ignored it, so un-ignoring it later gives open, not fixed.
            "fixed_at": None,
        },
    )


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _merge(
    rows: Iterable[dict[str, Any]],
    combine: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]],
) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen = merged.get(row["fingerprint"])
        merged[row["fingerprint"]] = row if seen is None else combine(seen, row)
    # Sorted, so concurrent writers touch rows in one order and cannot deadlock.
    return [merged[key] for key in sorted(merged)]


def _worse(kept: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether ``other`` should replace ``kept``: higher severity; first seen on a tie."""
    return bool(other["severity_rank"] > kept["severity_rank"])


def _merge_sca(kept: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    base, extra = (other, kept) if _worse(kept, other) else (kept, other)
    details = orjson.loads(base["details"])
    extra_details = orjson.loads(extra["details"])
    for key in ("sources", "versions"):
        details[key] = sorted(set(details[key]) | set(extra_details[key]))
    return {
        **base,
        "is_imported": bool(base["is_imported"] or extra["is_imported"]),
        "details": orjson.dumps(details).decode(),
    }


def _merge_dast(kept: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    # Highest severity, then the best-proven instance: the one worth showing.
    return other if _dast_rank(other) > _dast_rank(kept) else kept


def _dast_rank(row: dict[str, Any]) -> tuple[int, int]:
    return row["severity_rank"], _CONFIDENCE_RANK.get(_confidence(row), 0)


def _confidence(row: dict[str, Any]) -> str:
    return str(orjson.loads(row["details"]).get("confidence", ""))


def _sca_row(
    repository: str,
    scan_id: uuid.UUID,
    finding: Finding,
    now: datetime,
) -> dict[str, Any]:
    dep, vuln = finding.dependency, finding.vulnerability
    details = {
        "summary": _text(vuln.summary),
        "aliases": list(vuln.aliases),
        "url": vuln.url,
        "affectedRanges": vuln.affected_ranges,
        "cvssScore": vuln.cvss_score,
        "cvssVector": vuln.cvss_vector,
        "sources": [dep.source],
        "versions": [dep.version] if dep.version else [],
        "direct": dep.direct,
    }
    return _row(
        scan_type=ScanType.SCA,
        fingerprint=sca_fingerprint(repository, dep.ecosystem, dep.name, vuln.id),
        severity=vuln.severity,
        title=vuln.summary.strip() or vuln.id,
        rule_id=vuln.id,
        cwe=None,
        repository=repository,
        ecosystem=dep.ecosystem.value,
        package=dep.name,
        version=dep.version,
        fixed_version=vuln.fixed_version,
        is_imported=finding.is_imported,
        target_id=None,
        target_url=None,
        method=None,
        endpoint=None,
        parameter=None,
        details=details,
        scan_id=scan_id,
        now=now,
    )


def _dast_row(
    finding: DastFinding,
    *,
    organization_id: uuid.UUID,
    target_id: uuid.UUID,
    target_url: str,
    scan_id: uuid.UUID,
    now: datetime,
) -> dict[str, Any]:
    # The request itself is not kept: it may carry the target's authentication headers.
    details = {
        "url": finding.url,
        "confidence": finding.confidence.value,
        "evidence": _text(finding.evidence),
        "location": finding.location.value if finding.location else None,
        "payload": _text(finding.payload),
        "responseExcerpt": _text(finding.response_excerpt),
        "description": _text(finding.description),
        "remediation": _text(finding.remediation),
        "references": list(finding.references),
    }
    return _row(
        organization_id=organization_id,
        scan_type=ScanType.DAST,
        fingerprint=dast_fingerprint(
            target_id, finding.rule_id, finding.method, finding.url, finding.parameter
        ),
        severity=finding.severity,
        title=finding.name,
        rule_id=finding.rule_id,
        cwe=finding.cwe,
        repository=None,
        ecosystem=None,
        package=None,
        version=None,
        fixed_version=None,
        is_imported=None,
        target_id=target_id,
        target_url=target_url,
        method=finding.method.strip().upper(),
        endpoint=endpoint_url(finding.url),
        parameter=finding.parameter,
        details=details,
        scan_id=scan_id,
        now=now,
    )


def _row(
    *,
    severity: Severity,
    scan_type: ScanType,
    details: dict[str, Any],
    scan_id: uuid.UUID,
    now: datetime,
    **columns: Any,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "scan_type": scan_type.value,
        "severity": severity.value,
        "severity_rank": severity.rank,
        "status": FindingStatus.OPEN.value,
        "details": orjson.dumps(details).decode(),
        "first_seen_at": now,
        "last_seen_at": now,
        "fixed_at": None,
        "first_scan_id": scan_id,
        "last_scan_id": scan_id,
        **columns,
    }
    return {name: _fit(name, value) for name, value in row.items()}


def _fit(column: str, value: Any) -> Any:
    """Make a string storable: PostgreSQL refuses NUL characters and over-long values,
    and one odd parameter name or response excerpt must not lose a whole scan. NUL
    becomes U+FFFD and the rest is cut to the column's length; the fingerprint is
    computed from the original value first, so this never merges findings. (``details``
    is JSON text, where a NUL is already the escape ``\\u0000``.)"""
    if not isinstance(value, str):
        return value
    value = value.replace("\x00", "\ufffd")
    kind = _TABLE.c[column].type
    if isinstance(kind, String) and kind.length is not None:
        return value[: kind.length]
    return value


def _text(value: str | None) -> str | None:
    return None if value is None else value[:MAX_DETAIL_TEXT]

"""Scan reports in the database. Functions take the caller's session: the service decides
what is one transaction (a finished result and the job's completion commit together).

State changes are conditional updates on the report's status, so a late writer (a
worker whose job already timed out) changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from bastion.db.models.scans import (
    ACTIVE_SCAN_STATUSES,
    ScanDependency,
    ScanFinding,
    ScanReport,
    ScanStatus,
)
from bastion.models import Conclusion, Dependency, Finding, ScanResult
from bastion.reports.json import result_to_dict
from bastion.scans.schemas import ScanTarget

_ACTIVE = [s.value for s in ACTIVE_SCAN_STATUSES]
_FINDINGS = cast(Table, ScanFinding.__table__)
_DEPENDENCIES = cast(Table, ScanDependency.__table__)


def find_active(session: Session, target: ScanTarget) -> ScanReport | None:
    """The queued or running report for this commit, if any (the caller normalises)."""
    return session.scalars(
        select(ScanReport).where(
            ScanReport.installation_id == target.installation_id,
            ScanReport.owner == target.owner,
            ScanReport.repo == target.repo,
            ScanReport.head_sha == target.sha,
            ScanReport.status.in_(_ACTIVE),
        )
    ).one_or_none()


def create_report(session: Session, target: ScanTarget, now: datetime) -> ScanReport:
    report = ScanReport(
        id=uuid.uuid4(),
        installation_id=target.installation_id,
        owner=target.owner,
        repo=target.repo,
        ref=target.ref,
        head_sha=target.sha,
        pr_number=target.pr_number,
        status=ScanStatus.QUEUED.value,
        vulnerability_count=0,
        imported_count=0,
        total_deps=0,
        ecosystems="[]",
        created_at=now,
    )
    session.add(report)
    # Now, not at commit: a concurrent twin surfaces as IntegrityError inside the caller's
    # try block, which then reuses the twin.
    session.flush()
    return report


def get_report(
    session: Session, scan_id: uuid.UUID, *, installation_id: int | None = None
) -> ScanReport | None:
    """The report, if it exists and (when given) belongs to ``installation_id``."""
    query = select(ScanReport).where(ScanReport.id == scan_id)
    if installation_id is not None:
        query = query.where(ScanReport.installation_id == installation_id)
    return session.scalars(query).one_or_none()


def mark_running(session: Session, scan_id: uuid.UUID, now: datetime) -> ScanTarget | None:
    """Start (or, after a lost worker, restart) the scan; None if it already ended."""
    report = session.scalars(
        update(ScanReport)
        .where(ScanReport.id == scan_id, ScanReport.status.in_(_ACTIVE))
        .values(status=ScanStatus.RUNNING.value, started_at=now)
        .returning(ScanReport)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if report is None:
        return None
    return ScanTarget(
        report.installation_id,
        report.owner,
        report.repo,
        report.ref,
        report.head_sha,
        report.pr_number,
    )


@dataclass(frozen=True, slots=True)
class PreparedResult:
    """A result turned into the rows and columns ``save_prepared`` writes: computed before
    the write transaction, because on SQLite every API request that writes waits for it."""

    values: dict[str, Any]
    findings: list[dict[str, Any]]
    dependencies: list[dict[str, Any]]


def prepare_result(result: ScanResult, *, sbom: str | None) -> PreparedResult:
    findings = _unique_findings(result.findings)
    return PreparedResult(
        values={
            "status": ScanStatus.DONE.value,
            "conclusion": result.conclusion.value,
            "vulnerability_count": len(findings),
            "imported_count": sum(1 for f in findings if f["is_imported"]),
            "total_deps": result.total_deps,
            "ecosystems": orjson.dumps(list(result.ecosystems)).decode(),
            "duration_ms": result.duration_ms,
            "error": None,
            "result": orjson.dumps(result_to_dict(result)).decode(),
            "sbom": sbom,
        },
        findings=findings,
        dependencies=_unique_dependencies(result.dependencies),
    )


def save_result(
    session: Session,
    scan_id: uuid.UUID,
    result: ScanResult,
    *,
    sbom: str | None,
    now: datetime,
) -> bool:
    """Store a finished scan: the report's verdict and counts, its findings and its
    dependencies. False (and nothing written) when the report is no longer active."""
    return save_prepared(session, scan_id, prepare_result(result, sbom=sbom), now=now)


def save_prepared(
    session: Session, scan_id: uuid.UUID, prepared: PreparedResult, *, now: datetime
) -> bool:
    """``save_result`` with the rows computed beforehand (see :class:`PreparedResult`)."""
    ended = session.scalars(
        update(ScanReport)
        .where(ScanReport.id == scan_id, ScanReport.status.in_(_ACTIVE))
        .values(**prepared.values, finished_at=now)
        .returning(ScanReport.id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if ended is None:
        return False
    # Core inserts on the tables: the ORM's bulk path adds per-row bookkeeping that costs
    # about as much as the database's own work.
    if prepared.findings:
        session.execute(insert(_FINDINGS), [{"report_id": scan_id, **f} for f in prepared.findings])
    if prepared.dependencies:
        session.execute(
            insert(_DEPENDENCIES), [{"report_id": scan_id, **d} for d in prepared.dependencies]
        )
    return True


def end_incomplete(
    session: Session, scan_id: uuid.UUID, status: ScanStatus, error: str, now: datetime
) -> bool:
    """End an active scan that could not complete: ``neutral``, with ``error`` (SPEC §1)."""
    assert status in (ScanStatus.FAILED, ScanStatus.TIMED_OUT), status
    ended = session.scalars(
        update(ScanReport)
        .where(ScanReport.id == scan_id, ScanReport.status.in_(_ACTIVE))
        .values(
            status=status.value,
            conclusion=Conclusion.NEUTRAL.value,
            error=error,
            finished_at=now,
        )
        .returning(ScanReport.id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    return ended is not None


def list_findings(session: Session, scan_id: uuid.UUID) -> Sequence[ScanFinding]:
    # Insertion order is the scanner's order: worst severity first.
    return session.scalars(
        select(ScanFinding).where(ScanFinding.report_id == scan_id).order_by(ScanFinding.id)
    ).all()


def list_dependencies(session: Session, scan_id: uuid.UUID) -> Sequence[ScanDependency]:
    return session.scalars(
        select(ScanDependency)
        .where(ScanDependency.report_id == scan_id)
        .order_by(ScanDependency.id)
    ).all()


def _unique_findings(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """One row per (ecosystem, package, version, advisory, file): a package reached by
    several paths in one lockfile is one finding, imported if any path is."""
    rows: dict[tuple[str, str, str, str, str], dict[str, Any]] = {}
    for finding in findings:
        dep, vuln = finding.dependency, finding.vulnerability
        version = dep.version or ""
        key = (dep.ecosystem.value, dep.name, version, vuln.id, dep.source)
        if key in rows:
            rows[key]["is_imported"] = rows[key]["is_imported"] or finding.is_imported
            continue
        rows[key] = {
            "package": dep.name,
            "version": version,
            "ecosystem": dep.ecosystem.value,
            "vulnerability_id": vuln.id,
            "severity": vuln.severity.value,
            "is_imported": finding.is_imported,
            "fixed_version": vuln.fixed_version,
            "source": dep.source,
        }
    return list(rows.values())


def _unique_dependencies(dependencies: Sequence[Dependency]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str, str | None, str], dict[str, Any]] = {}
    for dep in dependencies:
        key = (dep.ecosystem.value, dep.name, dep.version, dep.source)
        if key in rows:
            rows[key]["direct"] = rows[key]["direct"] or dep.direct
            continue
        rows[key] = {
            "name": dep.name,
            "version": dep.version,
            "ecosystem": dep.ecosystem.value,
            "direct": dep.direct,
            "source": dep.source,
        }
    return list(rows.values())

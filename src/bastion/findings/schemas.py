"""The findings API's shapes. Keys are camelCase on the wire (``scanType``,
``lastSeen``), like the rest of ``/api/v3``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from bastion.db.models.findings import FindingStatus, ScanType
from bastion.findings.overview import Overview, PerType, TrendDay
from bastion.findings.query import encode_cursor
from bastion.findings.repository import FindingsPage, FindingView
from bastion.models import Severity

MAX_REASON = 1000


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class AccountRef(_Out):
    id: uuid.UUID
    name: str | None


class FindingOut(_Out):
    id: uuid.UUID
    scan_type: ScanType
    severity: Severity
    status: FindingStatus
    title: str
    rule_id: str = Field(description="SCA: the advisory id (GHSA-…); DAST: the rule id")
    cwe: int | None
    # SCA
    repository: str | None = Field(description="owner/repo, lower-cased (SCA)")
    ecosystem: str | None
    package: str | None
    version: str | None
    fixed_version: str | None
    is_imported: bool | None
    # DAST
    target_id: uuid.UUID | None
    target_url: str | None
    target_deleted: bool | None = Field(
        description="DAST: the target was deleted (its findings stay); null for SCA"
    )
    method: str | None
    endpoint: str | None = Field(description="DAST: the URL without query string")
    parameter: str | None
    details: dict[str, Any] = Field(description="Advisory or evidence details, by scan type")
    first_seen: datetime
    last_seen: datetime
    fixed_at: datetime | None
    first_scan_id: uuid.UUID
    last_scan_id: uuid.UUID
    ignored_at: datetime | None
    ignored_by: AccountRef | None
    ignored_reason: str | None

    @classmethod
    def of(cls, view: FindingView) -> FindingOut:
        f = view.finding
        return cls(
            id=f.id,
            scan_type=ScanType(f.scan_type),
            severity=Severity(f.severity),
            status=FindingStatus(f.status),
            title=f.title,
            rule_id=f.rule_id,
            cwe=f.cwe,
            repository=f.repository,
            ecosystem=f.ecosystem,
            package=f.package,
            version=f.version,
            fixed_version=f.fixed_version,
            is_imported=f.is_imported,
            target_id=f.target_id,
            target_url=f.target_url,
            target_deleted=view.target_deleted,
            method=f.method,
            endpoint=f.endpoint,
            parameter=f.parameter,
            details=orjson.loads(f.details),
            first_seen=f.first_seen_at,
            last_seen=f.last_seen_at,
            fixed_at=f.fixed_at,
            first_scan_id=f.first_scan_id,
            last_scan_id=f.last_scan_id,
            ignored_at=f.ignored_at,
            ignored_by=(
                AccountRef(id=f.ignored_by, name=view.ignored_by_name)
                if f.ignored_by is not None
                else None
            ),
            ignored_reason=f.ignored_reason,
        )


class FindingsPageOut(_Out):
    findings: list[FindingOut]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last page"
    )

    @classmethod
    def of(cls, page: FindingsPage) -> FindingsPageOut:
        return cls(
            findings=[FindingOut.of(view) for view in page.findings],
            next_cursor=None if page.next_cursor is None else encode_cursor(page.next_cursor),
        )


class StatusChange(BaseModel):
    """``PATCH`` body: ``{"status": "ignored", "reason": "…"}`` or ``{"status": "open"}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Literal["ignored", "open"] = Field(
        description="ignored (with a reason), or open to un-ignore; fixed is the scans' call"
    )
    reason: Annotated[str | None, Field(max_length=MAX_REASON)] = Field(
        default=None, description="Why it is ignored: required with ignored, 1-1000 characters"
    )


class SeverityCounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    CRITICAL: int
    HIGH: int
    MEDIUM: int
    LOW: int
    UNKNOWN: int


class ScanTypeCounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    SCA: int
    DAST: int

    @classmethod
    def of(cls, counts: PerType) -> ScanTypeCounts:
        return cls(SCA=counts[ScanType.SCA], DAST=counts[ScanType.DAST])


class OpenBySeverity(BaseModel):
    model_config = ConfigDict(frozen=True)

    SCA: SeverityCounts
    DAST: SeverityCounts


class StatusCounts(_Out):
    open: int
    fixed: int
    ignored: int


class TrendPoint(_Out):
    date: date
    open: ScanTypeCounts = Field(description="Open findings at the end of the day (UTC)")
    new: ScanTypeCounts = Field(description="First seen that day")
    fixed: ScanTypeCounts = Field(description="Fixed that day")
    ignored: ScanTypeCounts = Field(description="Ignored that day (and still ignored)")

    @classmethod
    def of(cls, day: TrendDay) -> TrendPoint:
        return cls(
            date=day.day,
            open=ScanTypeCounts.of(day.open),
            new=ScanTypeCounts.of(day.new),
            fixed=ScanTypeCounts.of(day.fixed),
            ignored=ScanTypeCounts.of(day.ignored),
        )


class OverviewOut(_Out):
    open: OpenBySeverity = Field(description="Open findings by scan type and severity")
    statuses: StatusCounts = Field(description="Findings of every scan type by status")
    trend: list[TrendPoint] = Field(description="One point per day, oldest first")

    @classmethod
    def of(cls, overview: Overview) -> OverviewOut:
        by_type = overview.open_by_severity
        return cls(
            open=OpenBySeverity(
                SCA=_severity_counts(by_type[ScanType.SCA]),
                DAST=_severity_counts(by_type[ScanType.DAST]),
            ),
            statuses=StatusCounts(
                open=overview.statuses[FindingStatus.OPEN],
                fixed=overview.statuses[FindingStatus.FIXED],
                ignored=overview.statuses[FindingStatus.IGNORED],
            ),
            trend=[TrendPoint.of(day) for day in overview.trend],
        )


def _severity_counts(counts: dict[Severity, int]) -> SeverityCounts:
    return SeverityCounts(**{severity.value: count for severity, count in counts.items()})

"""An organisation's findings at a glance: open counts by severity and scan type,
status totals, and a daily trend.

The trend is rebuilt from each finding's own timestamps (there is no event log):

* a finding counts as open at the end of day D if it was first seen before the end of D
  and not closed by then;
* it is closed at ``fixed_at`` when fixed; when ignored, at ``ignored_at`` — or at
  ``fixed_at`` if it was already fixed when someone ignored it;
* ``new`` counts first sightings per day, ``fixed`` the ``fixed_at`` of each day,
  ``ignored`` the ``ignored_at`` of findings still ignored.

Only the latest transition of a finding is on record, so history is approximate where
a finding went back and forth: one fixed and later reopened counts as open since it was
first seen; one ignored and later reopened counts as open throughout. Days are UTC.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FunctionElement,
    SQLColumnExpression,
    String,
    and_,
    case,
    func,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from bastion.db.models.findings import FindingStatus, ScanType, SecurityFinding
from bastion.models import Severity

DEFAULT_DAYS = 30
MAX_DAYS = 365


class UtcDate(FunctionElement[str]):
    """The UTC calendar date (``YYYY-MM-DD``) of a timestamp column, on either database."""

    type = String()
    inherit_cache = True


@compiles(UtcDate, "postgresql")
def _utc_date_postgresql(element: UtcDate, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char(({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@compiles(UtcDate, "sqlite")
def _utc_date_sqlite(element: UtcDate, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite holds UTCDateTime as naive UTC text, which strftime reads as it is.
    column = compiler.process(element.clauses, **kw)
    return f"strftime('%Y-%m-%d', {column})"


PerType = dict[ScanType, int]


@dataclass(frozen=True, slots=True)
class TrendDay:
    day: date
    open: PerType
    new: PerType
    fixed: PerType
    ignored: PerType


@dataclass(frozen=True, slots=True)
class Overview:
    open_by_severity: dict[ScanType, dict[Severity, int]]
    statuses: dict[FindingStatus, int]
    trend: list[TrendDay]


def overview(session: Session, organization_id: uuid.UUID, *, days: int, now: datetime) -> Overview:
    assert 1 <= days <= MAX_DAYS, days
    mine = SecurityFinding.organization_id == organization_id
    open_by_severity = {t: dict.fromkeys(Severity, 0) for t in ScanType}
    for scan_type, severity, count in session.execute(
        select(SecurityFinding.scan_type, SecurityFinding.severity, func.count())
        .where(mine, SecurityFinding.status == FindingStatus.OPEN.value)
        .group_by(SecurityFinding.scan_type, SecurityFinding.severity)
    ):
        open_by_severity[ScanType(scan_type)][Severity(severity)] = count
    statuses = dict.fromkeys(FindingStatus, 0)
    for status, count in session.execute(
        select(SecurityFinding.status, func.count()).where(mine).group_by(SecurityFinding.status)
    ):
        statuses[FindingStatus(status)] = count
    return Overview(open_by_severity, statuses, _trend(session, mine, days=days, now=now))


def _closed_at() -> ColumnElement[datetime | None]:
    fixed, ignored = SecurityFinding.fixed_at, SecurityFinding.ignored_at
    return case(
        (SecurityFinding.status == FindingStatus.FIXED.value, fixed),
        (
            SecurityFinding.status == FindingStatus.IGNORED.value,
            case((and_(fixed.is_not(None), fixed < ignored), fixed), else_=ignored),
        ),
        else_=None,
    )


def _trend(
    session: Session, mine: ColumnElement[bool], *, days: int, now: datetime
) -> list[TrendDay]:
    today = now.astimezone(UTC).date()
    first_day = today - timedelta(days=days - 1)
    start = datetime.combine(first_day, time(), UTC)
    closed_at = _closed_at()
    # Open at the window's start: first seen before it, not closed before it.
    opened_before = _per_type(session, mine, SecurityFinding.first_seen_at < start)
    closed_before = _per_type(session, mine, closed_at < start)
    new = _per_day(session, mine, SecurityFinding.first_seen_at, start)
    closed = _per_day(session, mine, closed_at, start)
    fixed = _per_day(session, mine, SecurityFinding.fixed_at, start)
    ignored = _per_day(
        session,
        mine,
        SecurityFinding.ignored_at,
        start,
        SecurityFinding.status == FindingStatus.IGNORED.value,
    )
    running = Counter({t: opened_before[t] - closed_before[t] for t in ScanType})
    trend: list[TrendDay] = []
    for offset in range(days):
        day = (first_day + timedelta(days=offset)).isoformat()
        for scan_type in ScanType:
            running[scan_type] += new[day, scan_type] - closed[day, scan_type]
        trend.append(
            TrendDay(
                day=first_day + timedelta(days=offset),
                open={t: running[t] for t in ScanType},
                new=_of_day(new, day),
                fixed=_of_day(fixed, day),
                ignored=_of_day(ignored, day),
            )
        )
    return trend


def _per_type(
    session: Session, mine: ColumnElement[bool], condition: ColumnElement[bool]
) -> Counter[ScanType]:
    rows = session.execute(
        select(SecurityFinding.scan_type, func.count())
        .where(mine, condition)
        .group_by(SecurityFinding.scan_type)
    )
    return Counter({ScanType(scan_type): count for scan_type, count in rows})


def _per_day(
    session: Session,
    mine: ColumnElement[bool],
    column: SQLColumnExpression[datetime | None] | SQLColumnExpression[datetime],
    start: datetime,
    *conditions: ColumnElement[bool],
) -> Counter[tuple[str, ScanType]]:
    """How many findings have ``column`` on each UTC day from ``start`` on."""
    day = UtcDate(column)
    rows = session.execute(
        select(day, SecurityFinding.scan_type, func.count())
        .where(mine, column >= start, *conditions)
        .group_by(day, SecurityFinding.scan_type)
    )
    return Counter({(str(d), ScanType(scan_type)): count for d, scan_type, count in rows})


def _of_day(counts: Counter[tuple[str, ScanType]], day: str) -> PerType:
    return {t: counts[day, t] for t in ScanType}

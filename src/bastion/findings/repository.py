"""Findings in the database, always within one organisation: every query here is
scoped by ``organization_id``, so a finding of another organisation is simply not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Row, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bastion.db.models.accounts import Account
from bastion.db.models.dast import DastTarget
from bastion.db.models.findings import FindingStatus, ScanType, SecurityFinding
from bastion.findings.errors import FindingNotFound
from bastion.findings.query import Cursor, CursorKey, FindingFilter, SortKey


@dataclass(frozen=True, slots=True)
class FindingView:
    """A finding with what the API shows beside it."""

    finding: SecurityFinding
    target_deleted: bool | None  # None for findings that have no target (SCA)
    ignored_by_name: str | None


@dataclass(frozen=True, slots=True)
class FindingsPage:
    findings: list[FindingView]
    next_cursor: Cursor | None


def list_findings(
    session: Session,
    organization_id: uuid.UUID,
    where: FindingFilter,
    *,
    sort: SortKey,
    limit: int,
    after: Cursor | None = None,
) -> FindingsPage:
    column = _sort_column(sort)
    query = _views().where(SecurityFinding.organization_id == organization_id, *_filters(where))
    if after is not None:
        query = query.where(_after(column, after, sort.descending))
    order = (
        (column.desc(), SecurityFinding.id.desc())
        if sort.descending
        else (column, SecurityFinding.id)
    )
    rows = [_view(row) for row in session.execute(query.order_by(*order).limit(limit + 1))]
    if len(rows) <= limit:
        return FindingsPage(rows, None)
    last = rows[limit - 1].finding
    return FindingsPage(rows[:limit], Cursor(sort, _sort_value(last, sort), last.id))


def get_finding(session: Session, organization_id: uuid.UUID, finding_id: uuid.UUID) -> FindingView:
    row = session.execute(
        _views().where(
            SecurityFinding.organization_id == organization_id, SecurityFinding.id == finding_id
        )
    ).one_or_none()
    if row is None:
        raise FindingNotFound()
    return _view(row)


def ignore_finding(
    session: Session,
    organization_id: uuid.UUID,
    finding_id: uuid.UUID,
    *,
    reason: str,
    account_id: uuid.UUID,
    now: datetime,
) -> FindingView:
    """Ignore an open or fixed finding (or change an ignore's reason): scans keep
    updating it but never change its status again until someone reopens it."""
    finding = _for_update(session, organization_id, finding_id)
    finding.status = FindingStatus.IGNORED.value
    finding.ignored_at = now
    finding.ignored_by = account_id
    finding.ignored_reason = reason
    session.flush()
    return get_finding(session, organization_id, finding_id)


def reopen_finding(
    session: Session, organization_id: uuid.UUID, finding_id: uuid.UUID
) -> FindingView:
    """Un-ignore: back to what the scans last said. ``fixed_at`` is set on an ignored
    finding only when it was fixed before being ignored and no scan has reported it
    since (a sighting clears it), so it goes back to ``fixed``; otherwise to ``open``,
    and the next scan that no longer reports it fixes it. A finding that is not ignored
    is left as it is."""
    finding = _for_update(session, organization_id, finding_id)
    if finding.status == FindingStatus.IGNORED.value:
        finding.status = (
            FindingStatus.FIXED.value if finding.fixed_at is not None else FindingStatus.OPEN.value
        )
        finding.ignored_at = None
        finding.ignored_by = None
        finding.ignored_reason = None
        session.flush()
    return get_finding(session, organization_id, finding_id)


def _for_update(
    session: Session, organization_id: uuid.UUID, finding_id: uuid.UUID
) -> SecurityFinding:
    # FOR UPDATE: a scan ingesting this finding's repository at the same moment waits,
    # rather than writing over the status change with a stale view (SQLite's single
    # writer already orders them).
    finding = session.scalars(
        select(SecurityFinding)
        .where(SecurityFinding.organization_id == organization_id, SecurityFinding.id == finding_id)
        .with_for_update()
    ).one_or_none()
    if finding is None:
        raise FindingNotFound()
    return finding


# Outer joins: the target and the ignoring account may be absent, whatever the types say.
_ViewRow = Row[SecurityFinding, datetime | None, uuid.UUID, str]


def _views() -> Select[SecurityFinding, datetime | None, uuid.UUID, str]:
    return (
        select(SecurityFinding, DastTarget.deleted_at, DastTarget.id, Account.name)
        .outerjoin(DastTarget, DastTarget.id == SecurityFinding.target_id)
        .outerjoin(Account, Account.id == SecurityFinding.ignored_by)
    )


def _view(row: _ViewRow) -> FindingView:
    finding, target_deleted_at = row[0], row[1]
    target_id: uuid.UUID | None = row[2]
    ignored_by_name: str | None = row[3]
    deleted: bool | None = None
    if finding.scan_type == ScanType.DAST.value:
        # A target deleted for good leaves target_id NULL (ON DELETE SET NULL).
        deleted = target_id is None or target_deleted_at is not None
    return FindingView(finding, deleted, ignored_by_name)


def _filters(where: FindingFilter) -> Sequence[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if where.scan_types:
        clauses.append(SecurityFinding.scan_type.in_(sorted(t.value for t in where.scan_types)))
    if where.severities:
        clauses.append(SecurityFinding.severity.in_(sorted(s.value for s in where.severities)))
    if where.statuses:
        clauses.append(SecurityFinding.status.in_(sorted(s.value for s in where.statuses)))
    if where.repository is not None:
        clauses.append(SecurityFinding.repository == where.repository)
    if where.target_id is not None:
        clauses.append(SecurityFinding.target_id == where.target_id)
    if where.text is not None:
        # icontains: ILIKE on PostgreSQL, lower() LIKE lower() on SQLite; autoescape makes
        # % and _ in the search literal.
        clauses.append(
            or_(
                *(
                    column.icontains(where.text, autoescape=True)
                    for column in (
                        SecurityFinding.title,
                        SecurityFinding.rule_id,
                        SecurityFinding.package,
                        SecurityFinding.endpoint,
                        SecurityFinding.parameter,
                    )
                )
            )
        )
    return clauses


def _sort_column(sort: SortKey) -> InstrumentedAttribute[int] | InstrumentedAttribute[datetime]:
    if sort.by_severity:
        return SecurityFinding.severity_rank
    if sort in (SortKey.LAST_SEEN, SortKey.LAST_SEEN_DESC):
        return SecurityFinding.last_seen_at
    return SecurityFinding.first_seen_at


def _sort_value(finding: SecurityFinding, sort: SortKey) -> CursorKey:
    if sort.by_severity:
        return finding.severity_rank
    if sort in (SortKey.LAST_SEEN, SortKey.LAST_SEEN_DESC):
        return finding.last_seen_at
    return finding.first_seen_at


def _after(
    column: InstrumentedAttribute[int] | InstrumentedAttribute[datetime],
    cursor: Cursor,
    descending: bool,
) -> ColumnElement[bool]:
    """Rows strictly after (key, id) in the sort order; id breaks ties in the same
    direction, so the order is total and no row sits on the boundary twice."""
    if descending:
        return or_(
            column < cursor.key,
            and_(column == cursor.key, SecurityFinding.id < cursor.id),
        )
    return or_(
        column > cursor.key,
        and_(column == cursor.key, SecurityFinding.id > cursor.id),
    )

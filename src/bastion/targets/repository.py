"""Targets and DAST scans in the database. Every read is scoped to an organisation (the
authorisation lives in the queries); functions take the caller's session so the service
decides what one transaction is.

A scan's state changes are conditional updates on its status, so a late writer (a worker
whose job timed out, a scan cancelled by deleting its target) changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Select, Update, and_, or_, select, update
from sqlalchemy.orm import Session

from bastion.db.models.accounts import Account
from bastion.db.models.dast import (
    ACTIVE_DAST_SCAN_STATUSES,
    DastScan,
    DastScanStatus,
    DastTarget,
)
from bastion.targets.pagination import Cursor

_ACTIVE = [s.value for s in ACTIVE_DAST_SCAN_STATUSES]


def find_live_by_key(
    session: Session, organization_id: uuid.UUID, url_key: str
) -> DastTarget | None:
    return session.scalars(
        select(DastTarget).where(
            DastTarget.organization_id == organization_id,
            DastTarget.url_key == url_key,
            DastTarget.deleted_at.is_(None),
        )
    ).one_or_none()


def get_target(
    session: Session, organization_id: uuid.UUID, target_id: uuid.UUID, *, live: bool = False
) -> DastTarget | None:
    query = select(DastTarget).where(
        DastTarget.id == target_id, DastTarget.organization_id == organization_id
    )
    if live:
        query = query.where(DastTarget.deleted_at.is_(None))
    return session.scalars(query).one_or_none()


def list_targets(
    session: Session,
    organization_id: uuid.UUID,
    *,
    include_deleted: bool,
    limit: int,
    after: Cursor | None,
) -> Sequence[DastTarget]:
    query = select(DastTarget).where(DastTarget.organization_id == organization_id)
    if not include_deleted:
        query = query.where(DastTarget.deleted_at.is_(None))
    query = _page(query, DastTarget.created_at, DastTarget.id, after)
    return session.scalars(query.limit(limit)).all()


def accounts(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Account]:
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))}


def soft_delete(
    session: Session, target: DastTarget, account_id: uuid.UUID, now: datetime
) -> list[uuid.UUID]:
    """Delete the target, keeping it and its scans; cancel its queued or running scan.
    Returns the ids of the scans cancelled."""
    target.deleted_at = now
    target.deleted_by = account_id
    cancelled = list(
        session.scalars(
            update(DastScan)
            .where(DastScan.target_id == target.id, DastScan.status.in_(_ACTIVE))
            .values(
                status=DastScanStatus.CANCELLED.value,
                finished_at=now,
                error="cancelled: the target was deleted",
            )
            .returning(DastScan.id)
            .execution_options(synchronize_session=False)
        )
    )
    session.flush()
    return cancelled


def active_scan(session: Session, target_id: uuid.UUID) -> DastScan | None:
    return session.scalars(
        select(DastScan).where(DastScan.target_id == target_id, DastScan.status.in_(_ACTIVE))
    ).one_or_none()


def create_scan(
    session: Session, target: DastTarget, requested_by: uuid.UUID, now: datetime
) -> DastScan:
    scan = DastScan(
        id=uuid.uuid4(),
        target_id=target.id,
        organization_id=target.organization_id,
        status=DastScanStatus.QUEUED.value,
        progress_percent=0,
        progress="{}",
        counts="{}",
        findings_count=0,
        requested_by=requested_by,
        created_at=now,
    )
    session.add(scan)
    # Now, not at commit: a concurrent twin (the one-active-scan index) surfaces as an
    # IntegrityError inside the caller's retry loop.
    session.flush()
    return scan


def list_scans(
    session: Session,
    organization_id: uuid.UUID,
    target_id: uuid.UUID,
    *,
    limit: int,
    after: Cursor | None,
) -> Sequence[DastScan]:
    query = select(DastScan).where(
        DastScan.organization_id == organization_id, DastScan.target_id == target_id
    )
    query = _page(query, DastScan.created_at, DastScan.id, after)
    return session.scalars(query.limit(limit)).all()


def get_scan(
    session: Session, organization_id: uuid.UUID, target_id: uuid.UUID, scan_id: uuid.UUID
) -> DastScan | None:
    return session.scalars(
        select(DastScan).where(
            DastScan.id == scan_id,
            DastScan.organization_id == organization_id,
            DastScan.target_id == target_id,
        )
    ).one_or_none()


def _page(query: Select[Any], created_at: Any, row_id: Any, after: Cursor | None) -> Select[Any]:
    if after is not None:
        query = query.where(
            or_(
                created_at < after.created_at,
                and_(created_at == after.created_at, row_id < after.id),
            )
        )
    return query.order_by(created_at.desc(), row_id.desc())


# -- the scan job's side ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScanJobTarget:
    """What the job needs of the target, read when the scan starts."""

    scan_id: uuid.UUID
    organization_id: uuid.UUID
    target_id: uuid.UUID
    url: str
    type: str
    openapi_definition: str | None
    openapi_url: str | None
    auth_headers_encrypted: str | None


def mark_running(session: Session, scan_id: uuid.UUID, now: datetime) -> ScanJobTarget | None:
    """Start (or, after a lost worker, restart) the scan; None if it already ended."""
    started = _conditional(
        session,
        update(DastScan)
        .where(DastScan.id == scan_id, DastScan.status.in_(_ACTIVE))
        .values(status=DastScanStatus.RUNNING.value, started_at=now, phase="resolving", error=None),
    )
    if not started:
        return None
    row = session.execute(
        select(DastScan.organization_id, DastTarget)
        .join(DastTarget, DastTarget.id == DastScan.target_id)
        .where(DastScan.id == scan_id)
    ).one()
    organization_id, target = row
    return ScanJobTarget(
        scan_id=scan_id,
        organization_id=organization_id,
        target_id=target.id,
        url=target.url,
        type=target.type,
        openapi_definition=target.openapi_definition,
        openapi_url=target.openapi_url,
        auth_headers_encrypted=target.auth_headers_encrypted,
    )


def save_progress(
    session: Session,
    scan_id: uuid.UUID,
    *,
    phase: str,
    percent: int,
    progress: dict[str, int],
    pinned_address: str | None = None,
) -> bool:
    """Record where a running scan is; False when it is no longer running (cancelled,
    or ended by the give-up hook), which tells the job to stop."""
    values: dict[str, Any] = {
        "phase": phase,
        "progress_percent": percent,
        "progress": orjson.dumps(progress).decode(),
    }
    if pinned_address is not None:
        values["pinned_address"] = pinned_address
    return _conditional(
        session,
        update(DastScan)
        .where(DastScan.id == scan_id, DastScan.status == DastScanStatus.RUNNING.value)
        .values(**values),
    )


def finish(
    session: Session,
    scan_id: uuid.UUID,
    status: DastScanStatus,
    now: datetime,
    *,
    error: str | None = None,
    counts: dict[str, int] | None = None,
    findings_count: int = 0,
    stats: dict[str, Any] | None = None,
    progress: dict[str, int] | None = None,
) -> bool:
    """End a running scan; False when it had already ended (the caller then stores
    nothing else)."""
    values: dict[str, Any] = {
        "status": status.value,
        "finished_at": now,
        "phase": "finished",
        "error": error,
        "counts": orjson.dumps(counts or {}).decode(),
        "findings_count": findings_count,
        "stats": None if stats is None else orjson.dumps(stats).decode(),
    }
    if status is DastScanStatus.COMPLETED:
        values["progress_percent"] = 100
    if progress is not None:
        values["progress"] = orjson.dumps(progress).decode()
    return _conditional(
        session,
        update(DastScan)
        .where(DastScan.id == scan_id, DastScan.status == DastScanStatus.RUNNING.value)
        .values(**values),
    )


def end_incomplete(session: Session, scan_id: uuid.UUID, error: str, now: datetime) -> None:
    """The give-up hook's update: a queued or running scan becomes failed."""
    session.execute(
        update(DastScan)
        .where(DastScan.id == scan_id, DastScan.status.in_(_ACTIVE))
        .values(status=DastScanStatus.FAILED.value, finished_at=now, error=error)
    )


def _conditional(session: Session, statement: Update) -> bool:
    """Run an UPDATE of one scan; whether its WHERE matched."""
    changed = session.scalars(
        statement.returning(DastScan.id).execution_options(synchronize_session=False)
    ).one_or_none()
    return changed is not None

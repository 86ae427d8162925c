"""Creating, reading and deleting targets, and requesting their scans.

Every call takes the caller's :class:`~bastion.orgs.access.OrgAccess` (the routes check
the role) and only ever sees that organisation's rows.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import TypeVar

import orjson
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bastion.clock import Clock, utcnow
from bastion.db.models.accounts import Account
from bastion.db.models.dast import DastScan, DastScanStatus, DastTarget, TargetType
from bastion.db.session import read_session, write_session
from bastion.jobs.base import JobQueue
from bastion.models import Severity
from bastion.orgs.access import OrgAccess
from bastion.targets import repository
from bastion.targets.auth_headers import check_auth_headers, seal
from bastion.targets.config import DastSettings
from bastion.targets.definitions import check_definition
from bastion.targets.errors import (
    DastScanNotFound,
    InvalidTargetRequest,
    TargetExists,
    TargetNotFound,
)
from bastion.targets.jobs import DAST_SCAN_JOB, concurrency_key
from bastion.targets.pagination import Cursor
from bastion.targets.schemas import (
    AccountOut,
    DastScanOut,
    DastScanPage,
    ScanProgressOut,
    TargetCreate,
    TargetOut,
    TargetPage,
)
from bastion.targets.urls import parse_target_url

log = logging.getLogger(__name__)

_ENQUEUE_ATTEMPTS = 3


class TargetService:
    def __init__(
        self, engine: Engine, queue: JobQueue, settings: DastSettings, *, clock: Clock = utcnow
    ) -> None:
        self.engine = engine
        self.queue = queue
        self.settings = settings
        self.clock = clock

    # -- targets ----------------------------------------------------------------------

    def create(self, access: OrgAccess, body: TargetCreate) -> TargetOut:
        """Check everything, then store. Raises the 400 errors of the URL, definition,
        headers and policy checks, and :class:`TargetExists` (409)."""
        target_url = parse_target_url(body.url)
        kind = TargetType(body.type)
        has_definition = body.openapi_definition is not None or body.openapi_url is not None
        if kind is TargetType.WEBAPP and has_definition:
            raise InvalidTargetRequest("Only api targets take an OpenAPI definition")
        if body.openapi_definition is not None and body.openapi_url is not None:
            raise InvalidTargetRequest("Give openapiDefinition or openapiUrl, not both")
        definition = None
        if body.openapi_definition is not None:
            definition = check_definition(body.openapi_definition, target_url=target_url.url)
        definition_url = None
        if body.openapi_url is not None:
            definition_url = parse_target_url(body.openapi_url, field="openapiUrl")
        headers = check_auth_headers(body.auth_headers)
        # A duplicate is refused before its host is resolved.
        with read_session(self.engine) as session:
            self._check_unique(session, access.organization_id, target_url.key)
        # The scan checks again (and pins) when it starts: DNS may change until then.
        policy = self.settings.policy()
        policy.pin(target_url.host)
        if definition_url is not None:
            policy.pin(definition_url.host)
        now = self.clock()
        target = DastTarget(
            id=uuid.uuid4(),
            organization_id=access.organization_id,
            url=target_url.url,
            url_key=target_url.key,
            type=kind.value,
            openapi_definition=definition,
            openapi_url=None if definition_url is None else definition_url.url,
            auth_headers_encrypted=seal(self.settings.secrets, headers) if headers else None,
            auth_header_names=orjson.dumps([name for name, _ in headers]).decode(),
            created_at=now,
            created_by=access.account_id,
        )
        try:
            with write_session(self.engine) as session:
                self._check_unique(session, access.organization_id, target_url.key)
                session.add(target)
                session.flush()
                creator = repository.accounts(session, {access.account_id})
        except IntegrityError:
            # PostgreSQL: a concurrent request stored the same URL first.
            raise TargetExists() from None
        log.info(
            "dast.target.created",
            extra={"target_id": str(target.id), "organization_id": str(access.organization_id)},
        )
        return target_out(target, creator.get(access.account_id))

    def list_targets(
        self, access: OrgAccess, *, limit: int, cursor: str | None, include_deleted: bool
    ) -> TargetPage:
        after = None if cursor is None else Cursor.decode(cursor)
        with read_session(self.engine) as session:
            rows = repository.list_targets(
                session,
                access.organization_id,
                include_deleted=include_deleted,
                limit=limit + 1,
                after=after,
            )
            page, next_cursor = _split(rows, limit)
            creators = repository.accounts(session, {t.created_by for t in page if t.created_by})
        return TargetPage(
            items=[
                target_out(t, creators.get(t.created_by) if t.created_by else None) for t in page
            ],
            next_cursor=next_cursor,
        )

    def get_target(self, access: OrgAccess, target_id: uuid.UUID) -> TargetOut:
        """The target, deleted or not (``deletedAt`` says)."""
        with read_session(self.engine) as session:
            target = self._target(session, access, target_id)
            creators = repository.accounts(
                session, {target.created_by} if target.created_by else set()
            )
        return target_out(target, creators.get(target.created_by) if target.created_by else None)

    def delete(self, access: OrgAccess, target_id: uuid.UUID) -> None:
        """Soft delete: scans and findings stay, a queued or running scan is cancelled."""
        with write_session(self.engine) as session:
            target = self._target(session, access, target_id, live=True)
            cancelled = repository.soft_delete(session, target, access.account_id, self.clock())
        log.info(
            "dast.target.deleted",
            extra={"target_id": str(target_id), "cancelled_scans": [str(c) for c in cancelled]},
        )

    # -- scans ------------------------------------------------------------------------

    def analyze(self, access: OrgAccess, target_id: uuid.UUID) -> DastScanOut:
        """Queue a scan of a live target, or return the one already queued or running."""
        with read_session(self.engine) as session:
            self._target(session, access, target_id, live=True)
            active = repository.active_scan(session, target_id)
            if active is not None:
                return scan_out(active)
        for _ in range(_ENQUEUE_ATTEMPTS):
            try:
                # The scan row and its job commit together or not at all.
                with write_session(self.engine) as session:
                    target = self._target(session, access, target_id, live=True)
                    active = repository.active_scan(session, target_id)
                    if active is not None:
                        return scan_out(active)
                    scan = repository.create_scan(session, target, access.account_id, self.clock())
                    scan.job_id = self.queue.enqueue_in(
                        session,
                        DAST_SCAN_JOB,
                        {"scan_id": str(scan.id)},
                        concurrency_key(target.organization_id),
                    )
                    session.flush()
                log.info(
                    "dast.scan.queued", extra={"scan_id": str(scan.id), "target_id": str(target_id)}
                )
                return scan_out(scan)
            except IntegrityError:
                # PostgreSQL: a concurrent analyze created the scan first; return it.
                continue
        raise RuntimeError(f"could not create or find a scan of target {target_id}")

    def list_scans(
        self, access: OrgAccess, target_id: uuid.UUID, *, limit: int, cursor: str | None
    ) -> DastScanPage:
        after = None if cursor is None else Cursor.decode(cursor)
        with read_session(self.engine) as session:
            self._target(session, access, target_id)
            rows = repository.list_scans(
                session, access.organization_id, target_id, limit=limit + 1, after=after
            )
            page, next_cursor = _split(rows, limit)
        return DastScanPage(items=[scan_out(s) for s in page], next_cursor=next_cursor)

    def get_scan(self, access: OrgAccess, target_id: uuid.UUID, scan_id: uuid.UUID) -> DastScanOut:
        with read_session(self.engine) as session:
            scan = repository.get_scan(session, access.organization_id, target_id, scan_id)
            if scan is None:
                self._target(session, access, target_id)  # 404 target_not_found first
                raise DastScanNotFound()
        return scan_out(scan)

    # -- helpers ----------------------------------------------------------------------

    def _target(
        self, session: Session, access: OrgAccess, target_id: uuid.UUID, *, live: bool = False
    ) -> DastTarget:
        target = repository.get_target(session, access.organization_id, target_id, live=live)
        if target is None:
            raise TargetNotFound()
        return target

    @staticmethod
    def _check_unique(session: Session, organization_id: uuid.UUID, url_key: str) -> None:
        if repository.find_live_by_key(session, organization_id, url_key) is not None:
            raise TargetExists()


_Row = TypeVar("_Row", DastTarget, DastScan)


def _split(rows: Sequence[_Row], limit: int) -> tuple[Sequence[_Row], str | None]:
    """The page (``limit`` rows of the ``limit + 1`` fetched) and the next cursor."""
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], Cursor(last.created_at, last.id).encode()


def target_out(target: DastTarget, creator: Account | None) -> TargetOut:
    by = (
        None
        if creator is None
        else AccountOut(id=creator.id, name=creator.name, email=creator.email)
    )
    return TargetOut(
        id=target.id,
        url=target.url,
        type=TargetType(target.type).value,
        created_at=target.created_at,
        created_by=by,
        auth_headers=[str(n) for n in orjson.loads(target.auth_header_names or "[]")],
        has_openapi_definition=target.openapi_definition is not None,
        openapi_url=target.openapi_url,
        deleted_at=target.deleted_at,
    )


def scan_out(scan: DastScan) -> DastScanOut:
    counts = {severity.value: 0 for severity in Severity}
    counts.update(orjson.loads(scan.counts or "{}"))
    return DastScanOut(
        id=scan.id,
        target_id=scan.target_id,
        status=DastScanStatus(scan.status).value,
        phase=scan.phase,
        progress_percent=scan.progress_percent,
        progress=ScanProgressOut.model_validate(orjson.loads(scan.progress or "{}")),
        counts=counts,
        findings_count=scan.findings_count,
        stats=None if scan.stats is None else orjson.loads(scan.stats),
        pinned_address=scan.pinned_address,
        error=scan.error,
        requested_by=scan.requested_by,
        created_at=scan.created_at,
        started_at=scan.started_at,
        finished_at=scan.finished_at,
    )

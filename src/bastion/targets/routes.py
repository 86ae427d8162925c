"""SPEC §3's app-scanning routes under ``/api/v3/organizations/{provider}/{organization}``.

Reads need membership, creating, deleting and analyzing an admin or manager role. A
second analyze while a scan of the target is queued or running answers ``202`` with that
scan's id, like the first: callers poll the same scan either way.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from bastion.orgs.access import ManagerAccess, MemberAccess
from bastion.scans.schemas import ErrorResponse
from bastion.server.state import StateDep
from bastion.targets.config import DastSettings
from bastion.targets.errors import DastScanNotFound, TargetImmutable, TargetNotFound
from bastion.targets.schemas import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    AnalyzeAccepted,
    DastScanOut,
    DastScanPage,
    TargetCreate,
    TargetOut,
    TargetPage,
)
from bastion.targets.service import TargetService

router = APIRouter(
    prefix="/api/v3/organizations/{provider}/{organization}/dast/targets", tags=["dast"]
)


def _errors(codes: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """The error envelope as each status's response, described by its codes."""
    return {
        status: {"model": ErrorResponse, "description": description}
        for status, description in sorted(codes.items())
    }


_ACCESS = {
    401: "`unauthorized`: no valid api-token header",
    404: "`organization_not_found` or `target_not_found`",
}
_MANAGING = {**_ACCESS, 403: "`forbidden`: only admins and managers may do this"}
_PAGING = {**_ACCESS, 400: "`invalid_request`: a bad `cursor` or `limit`"}


def get_service(request: Request, state: StateDep) -> TargetService:
    """One service per app, built on first use from the server's settings (tests may
    set ``app.state.targets`` first)."""
    service: TargetService | None = getattr(request.app.state, "targets", None)
    if service is None:
        service = TargetService(
            state.engine,
            state.backend,
            DastSettings.from_server_settings(state.settings),
            clock=state.clock,
        )
        request.app.state.targets = service
    return service


Service = Annotated[TargetService, Depends(get_service)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")]
CursorQuery = Annotated[
    str | None, Query(max_length=200, description="`nextCursor` of the previous page")
]


def _id(raw: str, missing: type[TargetNotFound] | type[DastScanNotFound]) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        # Not an id is just another id that names nothing.
        raise missing() from None


@router.post(
    "",
    status_code=201,
    summary="Register a web app or API to scan",
    response_model=TargetOut,
    responses=_errors(
        {
            **_MANAGING,
            400: "`invalid_request`, `invalid_url`, `invalid_definition`,"
            " `invalid_auth_headers`, `target_not_allowed` or `target_unresolvable`",
            409: "`target_exists`: a live target of the organization has this URL",
        }
    ),
)
def create_target(body: TargetCreate, access: ManagerAccess, service: Service) -> TargetOut:
    return service.create(access, body)


@router.get(
    "",
    summary="The organization's targets, newest first",
    response_model=TargetPage,
    responses=_errors(_PAGING),
)
def list_targets(
    access: MemberAccess,
    service: Service,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
    include_deleted: Annotated[
        bool, Query(alias="includeDeleted", description="Also list deleted targets")
    ] = False,
) -> TargetPage:
    return service.list_targets(access, limit=limit, cursor=cursor, include_deleted=include_deleted)


@router.get(
    "/{target_id}",
    summary="One target, deleted or not (`deletedAt`)",
    response_model=TargetOut,
    responses=_errors(_ACCESS),
)
def get_target(target_id: str, access: MemberAccess, service: Service) -> TargetOut:
    return service.get_target(access, _id(target_id, TargetNotFound))


@router.delete(
    "/{target_id}",
    status_code=204,
    summary="Delete a target; its scans and findings stay, a running scan is cancelled",
    response_class=Response,
    responses=_errors(_MANAGING),
)
def delete_target(target_id: str, access: ManagerAccess, service: Service) -> Response:
    service.delete(access, _id(target_id, TargetNotFound))
    return Response(status_code=204)


_IMMUTABLE = _errors({405: "`method_not_allowed`: delete the target and create it again"})


@router.put(
    "/{target_id}",
    summary="Not supported: targets are immutable",
    operation_id="replace_dast_target",
    response_model=None,
    status_code=405,
    responses=_IMMUTABLE,
)
@router.patch(
    "/{target_id}",
    summary="Not supported: targets are immutable",
    operation_id="update_dast_target",
    response_model=None,
    status_code=405,
    responses=_IMMUTABLE,
)
def update_target(provider: str, organization: str, target_id: str) -> None:
    # Answered before authentication: whoever asks, the answer is the same and tells
    # nothing about the organisation or the target.
    raise TargetImmutable()


@router.post(
    "/{target_id}/analyze",
    status_code=202,
    summary="Scan the target (or return the scan already queued or running)",
    response_model=AnalyzeAccepted,
    responses=_errors(_MANAGING),
)
def analyze_target(target_id: str, access: ManagerAccess, service: Service) -> AnalyzeAccepted:
    scan = service.analyze(access, _id(target_id, TargetNotFound))
    return AnalyzeAccepted(scan_id=scan.id, scan=scan)


@router.get(
    "/{target_id}/scans",
    summary="The target's scans, newest first, with progress",
    response_model=DastScanPage,
    responses=_errors(_PAGING),
)
def list_scans(
    target_id: str,
    access: MemberAccess,
    service: Service,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> DastScanPage:
    return service.list_scans(access, _id(target_id, TargetNotFound), limit=limit, cursor=cursor)


@router.get(
    "/{target_id}/scans/{scan_id}",
    summary="One scan of the target",
    response_model=DastScanOut,
    responses=_errors(
        {**_ACCESS, 404: "`organization_not_found`, `target_not_found` or `scan_not_found`"}
    ),
)
def get_scan(target_id: str, scan_id: str, access: MemberAccess, service: Service) -> DastScanOut:
    return service.get_scan(access, _id(target_id, TargetNotFound), _id(scan_id, DastScanNotFound))

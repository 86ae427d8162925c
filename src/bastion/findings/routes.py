"""``/api/v3/organizations/{provider}/{organization}/security``: search, read and triage
the findings of every scan type, and the overview.

Reads are open to any member; ignoring and reopening to admins and managers.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from bastion.db.models.findings import FindingStatus, ScanType
from bastion.db.session import read_session, write_session
from bastion.findings import overview as overview_service
from bastion.findings import repository
from bastion.findings.errors import FindingNotFound, InvalidFindingsRequest
from bastion.findings.query import (
    FindingFilter,
    SortKey,
    decode_cursor,
    parse_choices,
    parse_repository,
    parse_sort,
    parse_text,
)
from bastion.findings.schemas import FindingOut, FindingsPageOut, OverviewOut, StatusChange
from bastion.models import Severity
from bastion.orgs.access import ManagerAccess, MemberAccess
from bastion.scans.schemas import ErrorResponse
from bastion.server.state import StateDep

router = APIRouter(
    prefix="/api/v3/organizations/{provider}/{organization}/security", tags=["findings"]
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def _errors(**described: str) -> dict[int | str, dict[str, Any]]:
    """``_errors(e404="...")``: the error envelope under each status, with its codes."""
    return {
        int(status.removeprefix("e")): {"model": ErrorResponse, "description": description}
        for status, description in described.items()
    }


_READ_ERRORS = {
    "e400": "`invalid_request`",
    "e401": "`unauthorized`: no or invalid api-token",
    "e404": "`organization_not_found`: no such organization, or not a member",
}

_LIST_VALUES = "Repeat the parameter or separate values with commas; case-insensitive"


@router.get(
    "/findings",
    summary="Search findings of every scan type",
    response_model=FindingsPageOut,
    responses=_errors(**_READ_ERRORS),
)
def list_findings(
    *,
    access: MemberAccess,
    state: StateDep,
    scan_type: Annotated[
        list[str] | None, Query(alias="scanType", description=f"SCA, DAST. {_LIST_VALUES}")
    ] = None,
    severity: Annotated[
        list[str] | None,
        Query(description=f"CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN. {_LIST_VALUES}"),
    ] = None,
    status: Annotated[
        list[str] | None,
        Query(description=f"open, fixed, ignored; default: every status. {_LIST_VALUES}"),
    ] = None,
    repository_name: Annotated[
        str | None, Query(alias="repository", description="owner/repo (SCA)")
    ] = None,
    target: Annotated[uuid.UUID | None, Query(description="A DAST target's id")] = None,
    q: Annotated[
        str | None,
        Query(description="Text in the title, rule id, package, endpoint or parameter"),
    ] = None,
    sort: Annotated[
        str | None,
        Query(description=f"One of {', '.join(k.value for k in SortKey)} (default -severity)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(description="nextCursor of the previous page, unchanged")
    ] = None,
) -> FindingsPageOut:
    order = parse_sort(sort)
    where = FindingFilter(
        scan_types=parse_choices(scan_type, ScanType, "scanType"),
        severities=parse_choices(severity, Severity, "severity"),
        statuses=parse_choices(status, FindingStatus, "status"),
        repository=parse_repository(repository_name),
        target_id=target,
        text=parse_text(q),
    )
    after = decode_cursor(cursor, order) if cursor else None
    with read_session(state.engine) as session:
        page = repository.list_findings(
            session, access.organization_id, where, sort=order, limit=limit, after=after
        )
        return FindingsPageOut.of(page)


@router.get(
    "/findings/{finding_id}",
    summary="One finding",
    response_model=FindingOut,
    responses=_errors(
        e401=_READ_ERRORS["e401"],
        e404="`finding_not_found`, or `organization_not_found`",
    ),
)
def get_finding(finding_id: str, access: MemberAccess, state: StateDep) -> FindingOut:
    with read_session(state.engine) as session:
        return FindingOut.of(
            repository.get_finding(session, access.organization_id, _finding_id(finding_id))
        )


@router.patch(
    "/findings/{finding_id}",
    summary="Ignore a finding (with a reason) or reopen it",
    description=(
        'Body `{"status": "ignored", "reason": "…"}` ignores the finding: scans keep it '
        "up to date but never change its status. "
        '`{"status": "open"}` un-ignores it: it is `fixed` again if it was fixed before '
        "being ignored and no scan has reported it since, else `open` (the next scan that "
        "no longer reports it fixes it). Admins and managers only."
    ),
    response_model=FindingOut,
    responses=_errors(
        e400="`invalid_request`: unknown status, missing or too long reason",
        e401=_READ_ERRORS["e401"],
        e403="`forbidden`: members may not triage findings",
        e404="`finding_not_found`, or `organization_not_found`",
    ),
)
def change_status(
    finding_id: str, change: StatusChange, access: ManagerAccess, state: StateDep
) -> FindingOut:
    found = _finding_id(finding_id)
    with write_session(state.engine) as session:
        if change.status == FindingStatus.IGNORED.value:
            reason = (change.reason or "").strip()
            if not reason:
                raise InvalidFindingsRequest("A reason is required to ignore a finding")
            view = repository.ignore_finding(
                session,
                access.organization_id,
                found,
                reason=reason,
                account_id=access.account_id,
                now=state.clock(),
            )
        else:
            view = repository.reopen_finding(session, access.organization_id, found)
        return FindingOut.of(view)


@router.get(
    "/overview",
    summary="Open findings by severity and scan type, status totals, and the daily trend",
    description=(
        "`trend` has one point per UTC day for the last `days` days (today included), "
        "rebuilt from each finding's first-seen, fixed and ignored times: a finding counts "
        "as closed from `fixedAt` or, when ignored, from `ignoredAt`."
    ),
    response_model=OverviewOut,
    responses=_errors(**_READ_ERRORS),
)
def get_overview(
    access: MemberAccess,
    state: StateDep,
    days: Annotated[int, Query(ge=1, le=overview_service.MAX_DAYS)] = overview_service.DEFAULT_DAYS,
) -> OverviewOut:
    with read_session(state.engine) as session:
        return OverviewOut.of(
            overview_service.overview(session, access.organization_id, days=days, now=state.clock())
        )


def _finding_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        # Not an id at all is just another id that names no finding.
        raise FindingNotFound() from None

"""The caller's organisations and their members: ``/api/v3/organizations…`` (SPEC §3)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bastion.db.session import read_session
from bastion.orgs.access import ManagerAccess, MemberAccess
from bastion.orgs.schemas import MemberList, MemberOut, OrganizationList, OrganizationOut
from bastion.orgs.service import list_members, organization_role, organizations_of
from bastion.server.auth import CurrentAccount
from bastion.server.errors import ERROR_RESPONSES, Unauthorized
from bastion.server.state import StateDep

router = APIRouter(prefix="/api/v3/organizations", tags=["organizations"])

_DESCRIPTIONS = {
    401: "`unauthorized`: no valid API token",
    403: "`forbidden`: the caller's role does not allow this",
    404: "`organization_not_found`: no such organization, or the caller is not a member",
}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {**ERROR_RESPONSES[s], "description": _DESCRIPTIONS[s]} for s in statuses}


@router.get(
    "",
    summary="The caller's organizations, with the caller's role in each",
    responses=_errors(401),
)
def list_own_organizations(state: StateDep, account: CurrentAccount) -> OrganizationList:
    # Memberships are private: no token, no list, even where anonymous calls are allowed.
    if account is None:
        raise Unauthorized("An API token is required in the api-token header")
    with read_session(state.engine) as session:
        found = organizations_of(session, account.id)
    return OrganizationList(organizations=[OrganizationOut.of(org) for org in found])


@router.get(
    "/{provider}/{organization}",
    summary="An organization and the caller's role in it",
    responses=_errors(401, 404),
)
def get_organization(state: StateDep, access: MemberAccess) -> OrganizationOut:
    with read_session(state.engine) as session:
        return OrganizationOut.of(organization_role(session, access.organization_id, access.role))


@router.get(
    "/{provider}/{organization}/members",
    summary="The organization's members and their roles (admins and managers only)",
    responses=_errors(401, 403, 404),
)
def list_organization_members(state: StateDep, access: ManagerAccess) -> MemberList:
    with read_session(state.engine) as session:
        members = list_members(session, access.organization_id)
    return MemberList(members=[MemberOut.of(member) for member in members])

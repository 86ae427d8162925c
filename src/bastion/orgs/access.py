"""Who may act in an organisation: the route dependencies of every ``/api/v3`` route.

``401`` without a valid token; ``404`` (never ``403``) when the organisation does not
exist or the caller is not a member, so a stranger cannot tell the two apart; ``403``
when the caller is a member whose role may not do this.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import select

from bastion.db.models.orgs import Membership, Organization, Provider, Role
from bastion.db.session import read_session
from bastion.errors import BastionError
from bastion.server.auth import presented_token, valid_token
from bastion.server.errors import Unauthorized
from bastion.server.state import AppState, StateDep

# Roles that manage targets and trigger scans (SPEC §3: "only admins and managers").
MANAGING_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


class Forbidden(BastionError):
    code = "forbidden"
    status_code = 403
    default_message = "Your role in this organization does not allow this"


class OrganizationNotFound(BastionError):
    code = "organization_not_found"
    status_code = 404
    default_message = "Organization not found"


@dataclass(frozen=True, slots=True)
class OrgAccess:
    """The caller, the organisation named in the path, and the caller's role in it."""

    organization_id: uuid.UUID
    provider: str
    organization: str  # as stored (the provider's spelling)
    account_id: uuid.UUID
    account_name: str
    role: Role

    @property
    def may_manage(self) -> bool:
        return self.role in MANAGING_ROLES


def find_access(
    state: AppState, account_id: uuid.UUID, provider: str, organization: str
) -> OrgAccess | None:
    if provider not in Provider.__members__.values():
        return None
    with read_session(state.engine) as session:
        row = session.execute(
            select(Organization.id, Organization.name, Membership.role)
            .join(Membership, Membership.organization_id == Organization.id)
            .where(
                Organization.provider == provider,
                Organization.name_key == organization.lower(),
                Membership.account_id == account_id,
            )
        ).one_or_none()
    if row is None:
        return None
    org_id, name, role = row
    return OrgAccess(org_id, provider, name, account_id, "", Role(role))


def organization_access(
    request: Request,
    state: StateDep,
    provider: Annotated[str, Path(description="gh, ghe, gl, gle, bb or bbe")],
    organization: Annotated[str, Path(max_length=100)],
) -> OrgAccess:
    """Any member of the organisation (reads)."""
    # Anonymous calls are never allowed here, whatever BASTION_ALLOW_ANONYMOUS_API says:
    # organisations' data is private to their members.
    token = presented_token(request)
    if token is None:
        raise Unauthorized("An API token is required in the api-token header")
    found = valid_token(state, token)
    if found is None:
        raise Unauthorized("Invalid, expired or revoked API token")
    account = found[1]
    access = find_access(state, account.id, provider, organization)
    if access is None:
        raise OrganizationNotFound()
    return OrgAccess(
        access.organization_id,
        access.provider,
        access.organization,
        account.id,
        account.name,
        access.role,
    )


def managing_access(access: Annotated[OrgAccess, Depends(organization_access)]) -> OrgAccess:
    """An admin or manager of the organisation (creating, deleting, triggering)."""
    if not access.may_manage:
        raise Forbidden("Only the organization's admins and managers may do this")
    return access


MemberAccess = Annotated[OrgAccess, Depends(organization_access)]
ManagerAccess = Annotated[OrgAccess, Depends(managing_access)]

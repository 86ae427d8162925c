"""Organisations and memberships: create, find, list, and map GitHub App installations."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.db.models.accounts import Account
from bastion.db.models.orgs import Membership, Organization, Provider, Role
from bastion.orgs.errors import (
    InvalidOrganization,
    InvalidRole,
    NotAMember,
    OrganizationExists,
    UnknownOrganization,
)
from bastion.orgs.users import by_name, require_user

DEFAULT_GITHUB_API_URL = "https://api.github.com"
# What the providers allow in an organisation, group or workspace name, plus the dots and
# slashes GitLab subgroups use; anything else (spaces, control characters) is a typo.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")


@dataclass(frozen=True, slots=True)
class OrganizationRole:
    """An organisation as one of its members sees it."""

    provider: Provider
    name: str
    created_at: datetime
    github_installation_id: int | None
    role: Role


@dataclass(frozen=True, slots=True)
class Member:
    account_id: uuid.UUID
    name: str
    email: str | None  # None for a service account
    role: Role
    added_at: datetime
    disabled: bool


def parse_provider(value: str) -> Provider:
    try:
        return Provider(value.strip().lower())
    except ValueError:
        allowed = ", ".join(p.value for p in Provider)
        raise InvalidOrganization(f"Unknown provider {value!r}: use one of {allowed}") from None


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise InvalidOrganization(f"Invalid organization name {name!r}")
    return name


def parse_org_ref(value: str) -> tuple[Provider, str]:
    """``PROVIDER/NAME`` (``gh/acme``, ``gl/group/subgroup``) as a provider and a name."""
    ref = value.strip()
    provider, slash, name = ref.partition("/")
    if not slash or any(c.isspace() for c in ref):
        raise InvalidOrganization(f"{value!r}: expected PROVIDER/NAME, such as gh/acme")
    return parse_provider(provider), check_name(name)


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidRole(f"Unknown role {value!r}: use one of {allowed}") from None


def find_organization(session: Session, provider: str, name: str) -> Organization | None:
    return session.scalars(
        select(Organization).where(
            Organization.provider == provider, Organization.name_key == name.strip().lower()
        )
    ).one_or_none()


def require_organization(session: Session, provider: Provider, name: str) -> Organization:
    org = find_organization(session, provider.value, name)
    if org is None:
        raise UnknownOrganization(f"No organization {provider.value}/{name.strip()}")
    return org


def create_organization(
    session: Session,
    provider: Provider,
    name: str,
    now: datetime,
    *,
    github_installation_id: int | None = None,
) -> Organization:
    name = check_name(name)
    existing = find_organization(session, provider.value, name)
    if existing is not None:
        raise OrganizationExists(f"Organization {provider.value}/{existing.name} already exists")
    return _insert_organization(session, provider, name, now, github_installation_id)


def _insert_organization(
    session: Session,
    provider: Provider,
    name: str,
    now: datetime,
    github_installation_id: int | None,
) -> Organization:
    # A concurrent insert of the same organisation fails here with IntegrityError, which
    # callers racing on purpose (first scans of an installation) catch and retry.
    org = Organization(
        id=uuid.uuid4(),
        provider=provider.value,
        name=name,
        name_key=name.lower(),
        github_installation_id=github_installation_id,
        created_at=now,
    )
    session.add(org)
    session.flush()
    return org


def list_organizations(session: Session) -> list[Organization]:
    orgs = session.scalars(select(Organization))
    # Sorted here, not in SQL: the same order on every database (see users.by_name).
    return sorted(orgs, key=lambda org: (org.provider, org.name_key))


def organizations_of(session: Session, account_id: uuid.UUID) -> list[OrganizationRole]:
    """The organisations the account belongs to, with its role in each."""
    rows = session.execute(
        select(Organization, Membership.role)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.account_id == account_id)
    ).all()
    found = [_as_role(org, Role(role)) for org, role in rows]
    return sorted(found, key=lambda org: (org.provider, org.name.lower()))


def organization_role(session: Session, organization_id: uuid.UUID, role: Role) -> OrganizationRole:
    org = session.get(Organization, organization_id)
    if org is None:
        # Deleted between the access check and this read.
        raise UnknownOrganization()
    return _as_role(org, role)


def _as_role(org: Organization, role: Role) -> OrganizationRole:
    return OrganizationRole(
        Provider(org.provider), org.name, org.created_at, org.github_installation_id, role
    )


def github_provider(api_url: str) -> Provider:
    """``gh`` for GitHub Cloud, ``ghe`` for any other API URL (an Enterprise Server)."""
    cloud = api_url.strip().rstrip("/").lower() in ("", DEFAULT_GITHUB_API_URL)
    return Provider.GITHUB if cloud else Provider.GITHUB_ENTERPRISE


def organization_for_installation(
    session: Session, provider: Provider, installation_id: int, owner: str, now: datetime
) -> Organization:
    """The organisation a GitHub App installation belongs to, created on first use.

    Found by installation id first; else by (provider, owner), which then remembers the
    installation (an organisation created by an admin before the App was installed, or
    re-installed under a new id); else a new organisation.
    """
    org = session.scalars(
        select(Organization).where(Organization.github_installation_id == installation_id)
    ).one_or_none()
    if org is not None:
        return org
    org = find_organization(session, provider.value, owner)
    if org is not None:
        org.github_installation_id = installation_id
        session.flush()
        return org
    return _insert_organization(session, provider, check_name(owner), now, installation_id)


def set_membership(
    session: Session, organization_id: uuid.UUID, account_id: uuid.UUID, role: Role, now: datetime
) -> Membership:
    """Add the account to the organisation with ``role``, or change its role."""
    membership = session.get(Membership, (organization_id, account_id))
    if membership is None:
        membership = Membership(
            organization_id=organization_id, account_id=account_id, role=role.value, created_at=now
        )
        session.add(membership)
    else:
        membership.role = role.value
    session.flush()
    return membership


def add_member(
    session: Session, provider: Provider, name: str, email: str, *, role: Role, now: datetime
) -> Membership:
    """``set_membership`` for an organisation and a user named as an admin types them."""
    org = require_organization(session, provider, name)
    account = require_user(session, email)
    return set_membership(session, org.id, account.id, role, now)


def remove_member(session: Session, provider: Provider, name: str, email: str) -> None:
    org = require_organization(session, provider, name)
    account = require_user(session, email)
    membership = session.get(Membership, (org.id, account.id))
    if membership is None:
        raise NotAMember(f"{account.email} is not a member of {provider.value}/{org.name}")
    session.delete(membership)
    session.flush()


def list_members(session: Session, organization_id: uuid.UUID) -> list[Member]:
    rows = session.execute(
        select(Account, Membership.role, Membership.created_at)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.organization_id == organization_id)
    ).all()
    members = [
        Member(
            account.id,
            account.name,
            account.email,
            Role(role),
            added_at,
            account.disabled_at is not None,
        )
        for account, role, added_at in rows
    ]
    return sorted(members, key=lambda member: by_name(member.name))

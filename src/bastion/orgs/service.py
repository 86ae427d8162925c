"""Organisations and memberships: create, find, and map GitHub App installations."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.db.models.orgs import Membership, Organization, Provider, Role
from bastion.errors import BastionError

DEFAULT_GITHUB_API_URL = "https://api.github.com"
# What the providers allow in an organisation, group or workspace name, plus the dots and
# slashes GitLab subgroups use; anything else (spaces, control characters) is a typo.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")


class InvalidOrganization(BastionError):
    code = "invalid_organization"
    status_code = 400
    default_message = "Invalid organization"


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


def find_organization(session: Session, provider: str, name: str) -> Organization | None:
    return session.scalars(
        select(Organization).where(
            Organization.provider == provider, Organization.name_key == name.strip().lower()
        )
    ).one_or_none()


def create_organization(
    session: Session,
    provider: Provider,
    name: str,
    now: datetime,
    *,
    github_installation_id: int | None = None,
) -> Organization:
    name = check_name(name)
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
    return create_organization(
        session, provider, owner, now, github_installation_id=installation_id
    )


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

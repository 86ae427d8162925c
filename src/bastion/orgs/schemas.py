"""The organisation API's JSON shapes: camelCase keys, like every ``/api/v3`` route."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from bastion.db.models.orgs import Provider, Role
from bastion.orgs.service import Member, OrganizationRole


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class OrganizationOut(_Out):
    provider: Provider
    name: str
    role: Role  # the caller's
    created_at: datetime
    github_installation_id: int | None

    @classmethod
    def of(cls, org: OrganizationRole) -> OrganizationOut:
        return cls(
            provider=org.provider,
            name=org.name,
            role=org.role,
            created_at=org.created_at,
            github_installation_id=org.github_installation_id,
        )


class OrganizationList(_Out):
    organizations: list[OrganizationOut]


class MemberOut(_Out):
    name: str
    email: str | None  # None for a service account
    role: Role
    added_at: datetime
    disabled: bool

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        return cls(
            name=member.name,
            email=member.email,
            role=member.role,
            added_at=member.added_at,
            disabled=member.disabled,
        )


class MemberList(_Out):
    members: list[MemberOut]

"""Organisations under a git provider, and who belongs to them with which role (SPEC §3).

An organisation is keyed by (provider, name); names compare case-insensitively, as every
supported provider treats them. A GitHub App installation maps to its ``gh``/``ghe``
organisation through ``github_installation_id``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bastion.db.models._common import one_of
from bastion.db.tables import Base
from bastion.db.types import UTCDateTime


class Provider(StrEnum):
    GITHUB = "gh"
    GITHUB_ENTERPRISE = "ghe"
    GITLAB = "gl"
    GITLAB_ENTERPRISE = "gle"
    BITBUCKET = "bb"
    BITBUCKET_SERVER = "bbe"


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (
        one_of("provider", Provider, "ck_organizations_provider"),
        Index("uq_organizations_provider_name", "provider", "name_key", unique=True),
        Index("uq_organizations_installation", "github_installation_id", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    provider: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100))  # as the provider spells it
    name_key: Mapped[str] = mapped_column(String(100))  # lower-cased, for look-ups
    github_installation_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        one_of("role", Role, "ck_memberships_role"),
        Index("ix_memberships_account_id", "account_id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""One findings store for every scan type (SPEC §3).

A finding is identified by a stable fingerprint within its organisation (SCA: repository,
ecosystem, package, advisory; DAST: target, rule, endpoint, parameter), so a repeated
scan updates the row instead of adding one: ``first_seen_at``/``last_seen_at`` move,
``open`` becomes ``fixed`` when a later scan of the same repository or target no longer
reports it (and ``open`` again if it comes back), and ``ignored`` sticks with its reason
and author until someone reopens it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from bastion.db.models._common import one_of
from bastion.db.tables import Base
from bastion.db.types import UTCDateTime
from bastion.models import Severity


class ScanType(StrEnum):
    SCA = "SCA"
    DAST = "DAST"


class FindingStatus(StrEnum):
    OPEN = "open"
    FIXED = "fixed"
    IGNORED = "ignored"


class SecurityFinding(Base):
    __tablename__ = "security_findings"
    __table_args__ = (
        one_of("scan_type", ScanType, "ck_security_findings_scan_type"),
        one_of("status", FindingStatus, "ck_security_findings_status"),
        one_of("severity", Severity, "ck_security_findings_severity"),
        Index("uq_security_findings_fingerprint", "organization_id", "fingerprint", unique=True),
        Index("ix_security_findings_org_last_seen", "organization_id", "last_seen_at", "id"),
        Index("ix_security_findings_org_type_status", "organization_id", "scan_type", "status"),
        Index("ix_security_findings_repository", "organization_id", "repository"),
        Index("ix_security_findings_target", "target_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    scan_type: Mapped[str] = mapped_column(String(8))
    fingerprint: Mapped[str] = mapped_column(String(64))  # hex SHA-256
    severity: Mapped[str] = mapped_column(String(16))
    # Severity as a number (higher is worse), so sorting by severity is an ORDER BY.
    severity_rank: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=FindingStatus.OPEN.value)
    title: Mapped[str] = mapped_column(Text)
    # SCA: the advisory id (GHSA-…); DAST: the rule id.
    rule_id: Mapped[str] = mapped_column(String(200))
    cwe: Mapped[int | None] = mapped_column(Integer)
    # SCA: where and what.
    repository: Mapped[str | None] = mapped_column(String(201))  # owner/repo, lower-cased
    ecosystem: Mapped[str | None] = mapped_column(String(32))
    package: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[str | None] = mapped_column(String(200))
    fixed_version: Mapped[str | None] = mapped_column(String(200))
    is_imported: Mapped[bool | None] = mapped_column(Boolean)
    # DAST: where.
    target_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("dast_targets.id", ondelete="SET NULL")
    )
    target_url: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str | None] = mapped_column(String(16))
    endpoint: Mapped[str | None] = mapped_column(Text)
    parameter: Mapped[str | None] = mapped_column(String(300))
    # Anything else worth showing (evidence, advisory URL, affected ranges), as JSON.
    details: Mapped[str] = mapped_column(Text, default="{}")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_scan_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    last_scan_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    ignored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ignored_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    ignored_reason: Mapped[str | None] = mapped_column(Text)

"""App-scanning targets and their scans (SPEC §3).

Targets are immutable and soft-deleted: a deleted target's scans and findings stay
queryable, and the URL may be registered again (the uniqueness index covers live
targets only).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from bastion.db.models._common import one_of
from bastion.db.tables import Base
from bastion.db.types import UTCDateTime


class TargetType(StrEnum):
    WEBAPP = "webapp"
    API = "api"


class DastScanStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_DAST_SCAN_STATUSES = (DastScanStatus.QUEUED, DastScanStatus.RUNNING)

_LIVE = text("deleted_at IS NULL")
_ACTIVE = text("status IN ('queued', 'running')")


class DastTarget(Base):
    __tablename__ = "dast_targets"
    __table_args__ = (
        one_of("type", TargetType, "ck_dast_targets_type"),
        Index(
            "uq_dast_targets_live_url",
            "organization_id",
            "url_key",
            unique=True,
            sqlite_where=_LIVE,
            postgresql_where=_LIVE,
        ),
        Index("ix_dast_targets_organization_created", "organization_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(Text)
    # The URL normalised (scheme and host lower-cased, default port dropped): the key
    # that makes the same target twice in one organisation a conflict.
    url_key: Mapped[str] = mapped_column(String(2048))
    type: Mapped[str] = mapped_column(String(8), default=TargetType.WEBAPP.value)
    # An ``api`` target's OpenAPI definition: the document itself (JSON text) or its URL.
    openapi_definition: Mapped[str | None] = mapped_column(Text)
    openapi_url: Mapped[str | None] = mapped_column(Text)
    # Authentication headers, encrypted at rest (bastion.secrets); only their names are
    # ever shown again.
    auth_headers_encrypted: Mapped[str | None] = mapped_column(Text)
    auth_header_names: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )


class DastScan(Base):
    __tablename__ = "dast_scans"
    __table_args__ = (
        one_of("status", DastScanStatus, "ck_dast_scans_status"),
        # One queued or running scan per target: a second analyze returns it.
        Index(
            "uq_dast_scans_active_target",
            "target_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_dast_scans_target_created", "target_id", "created_at"),
        Index("ix_dast_scans_organization_created", "organization_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    target_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dast_targets.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), default=DastScanStatus.QUEUED.value)
    # Where a running scan is: a phase name and a rough percentage, plus the engine's
    # counters so far (JSON: requests, endpoints, findings).
    phase: Mapped[str | None] = mapped_column(String(32))
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[str] = mapped_column(Text, default="{}")
    # Findings by severity (JSON object) and in all, once completed.
    counts: Mapped[str] = mapped_column(Text, default="{}")
    findings_count: Mapped[int] = mapped_column(Integer, default=0)
    # The engine's end-of-scan statistics (JSON), and the address the host was pinned to.
    stats: Mapped[str | None] = mapped_column(Text)
    pinned_address: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

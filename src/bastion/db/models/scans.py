"""Dependency scans requested through the API or by webhooks (SPEC §2).

A report row carries the verdict and the counts the API returns, so a status request
reads one row and its findings; ``result`` keeps the whole SPEC §1 result for anything
that needs more (fix pull requests, the dashboard).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bastion.db.models._common import one_of
from bastion.db.tables import Base
from bastion.db.types import UTCDateTime


class ScanStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    TIMED_OUT = "timed_out"


ACTIVE_SCAN_STATUSES = (ScanStatus.QUEUED, ScanStatus.RUNNING)

# At most one active report per commit of a repository and installation: a repeated
# request, or a webhook racing an API call, reuses it instead of scanning twice.
_ACTIVE = text("status IN ('queued', 'running')")


class ScanReport(Base):
    __tablename__ = "scan_reports"
    __table_args__ = (
        one_of("status", ScanStatus, "ck_scan_reports_status"),
        Index(
            "uq_scan_reports_active_commit",
            "installation_id",
            "owner",
            "repo",
            "head_sha",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_scan_reports_repository", "installation_id", "owner", "repo", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    installation_id: Mapped[int] = mapped_column(BigInteger)
    # Lower-cased: GitHub names are case-insensitive, and the active-commit index must be.
    owner: Mapped[str] = mapped_column(String(100))
    repo: Mapped[str] = mapped_column(String(100))
    ref: Mapped[str] = mapped_column(String(255))
    head_sha: Mapped[str] = mapped_column(String(64))
    pr_number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=ScanStatus.QUEUED.value)
    conclusion: Mapped[str | None] = mapped_column(String(16))
    vulnerability_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_count: Mapped[int] = mapped_column(Integer, default=0)
    total_deps: Mapped[int] = mapped_column(Integer, default=0)
    ecosystems: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)  # JSON of reports.json.result_to_dict
    sbom: Mapped[str | None] = mapped_column(Text)  # CycloneDX JSON
    # Set once the job is queued; a report left active without one was never queued.
    job_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScanFinding(Base):
    __tablename__ = "scan_findings"
    __table_args__ = (
        UniqueConstraint(
            "report_id",
            "ecosystem",
            "package",
            "version",
            "vulnerability_id",
            "source",
            name="uq_scan_findings_identity",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scan_reports.id", ondelete="CASCADE"))
    package: Mapped[str] = mapped_column(String(512))
    version: Mapped[str] = mapped_column(String(256))
    ecosystem: Mapped[str] = mapped_column(String(64))
    vulnerability_id: Mapped[str] = mapped_column(String(128))
    severity: Mapped[str] = mapped_column(String(16))
    is_imported: Mapped[bool] = mapped_column(Boolean)
    fixed_version: Mapped[str | None] = mapped_column(String(256))
    source: Mapped[str] = mapped_column(String(1024))


class ScanDependency(Base):
    __tablename__ = "scan_dependencies"
    __table_args__ = (
        UniqueConstraint(
            "report_id", "ecosystem", "name", "version", "source", name="uq_scan_dependencies"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scan_reports.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(512))
    # None when the file pins no exact version; the repository de-duplicates those itself
    # because both databases treat NULLs in a unique constraint as distinct.
    version: Mapped[str | None] = mapped_column(String(256))
    ecosystem: Mapped[str] = mapped_column(String(64))
    direct: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(1024))

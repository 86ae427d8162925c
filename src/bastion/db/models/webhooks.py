"""GitHub webhook deliveries already acted on, and the ``bastion`` check runs of scans.

A delivery row makes a redelivery (same ``X-GitHub-Delivery``) a no-op, even once the
scan it started has finished. A check-run row ties a scan to the check run GitHub shows
on its commit; ``sync_job_id`` names the one ``github.check_run`` job that is bringing
GitHub up to date with the scan, so two jobs never race to create the same check run.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bastion.db.models._common import one_of
from bastion.db.tables import Base
from bastion.db.types import UTCDateTime


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_received_at", "received_at"),)

    # GitHub's X-GitHub-Delivery GUID; a redelivery repeats it.
    delivery_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    installation_id: Mapped[int | None] = mapped_column(BigInteger)
    # The scan the delivery started or joined.
    scan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("scan_reports.id", ondelete="SET NULL")
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckRunState(StrEnum):
    """How far GitHub has been told about the scan."""

    PENDING = "pending"  # not created on GitHub yet
    OPEN = "open"  # created, queued or in progress
    COMPLETED = "completed"  # completed with the scan's conclusion
    FAILED = "failed"  # GitHub refused for good (App uninstalled, no checks permission)


class GitHubCheckRun(Base):
    __tablename__ = "github_check_runs"
    __table_args__ = (
        one_of("state", CheckRunState, "ck_github_check_runs_state"),
        # One check run per scan: a second webhook joining a running scan reuses it.
        Index("uq_github_check_runs_scan", "scan_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("scan_reports.id", ondelete="CASCADE"))
    details_url: Mapped[str | None] = mapped_column(Text)
    # GitHub's id of the check run, once created.
    github_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default=CheckRunState.PENDING.value)
    sync_job_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""service: scan reports, findings and dependencies, jobs, rate limits, accounts, API tokens

Revision ID: 0002_service
Revises: 0001_advisory_mirror
Create Date: 2026-11-21
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_service"
down_revision = "0001_advisory_mirror"
branch_labels = None
depends_on = None

_ACTIVE = sa.text("status IN ('queued', 'running')")
_STATUSES = "status IN ('queued', 'running', 'done', 'failed', 'timed_out')"


def _timestamp(name: str, *, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "scan_reports",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("installation_id", sa.BigInteger, nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("repo", sa.String(100), nullable=False),
        sa.Column("ref", sa.String(255), nullable=False),
        sa.Column("head_sha", sa.String(64), nullable=False),
        sa.Column("pr_number", sa.Integer),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("conclusion", sa.String(16)),
        sa.Column("vulnerability_count", sa.Integer, nullable=False),
        sa.Column("imported_count", sa.Integer, nullable=False),
        sa.Column("total_deps", sa.Integer, nullable=False),
        sa.Column("ecosystems", sa.Text, nullable=False),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("result", sa.Text),
        sa.Column("sbom", sa.Text),
        sa.Column("job_id", sa.String(64)),
        _timestamp("created_at", nullable=False),
        _timestamp("started_at"),
        _timestamp("finished_at"),
        sa.CheckConstraint(_STATUSES, name="ck_scan_reports_status"),
    )
    op.create_index(
        "uq_scan_reports_active_commit",
        "scan_reports",
        ["installation_id", "owner", "repo", "head_sha"],
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )
    op.create_index(
        "ix_scan_reports_repository",
        "scan_reports",
        ["installation_id", "owner", "repo", "created_at"],
    )
    op.create_table(
        "scan_findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "report_id",
            sa.Uuid,
            sa.ForeignKey("scan_reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("package", sa.String(512), nullable=False),
        sa.Column("version", sa.String(256), nullable=False),
        sa.Column("ecosystem", sa.String(64), nullable=False),
        sa.Column("vulnerability_id", sa.String(128), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("is_imported", sa.Boolean, nullable=False),
        sa.Column("fixed_version", sa.String(256)),
        sa.Column("source", sa.String(1024), nullable=False),
        sa.UniqueConstraint(
            "report_id",
            "ecosystem",
            "package",
            "version",
            "vulnerability_id",
            "source",
            name="uq_scan_findings_identity",
        ),
    )
    op.create_table(
        "scan_dependencies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "report_id",
            sa.Uuid,
            sa.ForeignKey("scan_reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("version", sa.String(256)),
        sa.Column("ecosystem", sa.String(64), nullable=False),
        sa.Column("direct", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(1024), nullable=False),
        sa.UniqueConstraint(
            "report_id", "ecosystem", "name", "version", "source", name="uq_scan_dependencies"
        ),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("concurrency_key", sa.String(128)),
        sa.Column("lease_owner", sa.String(128)),
        _timestamp("lease_expires_at"),
        _timestamp("run_after", nullable=False),
        _timestamp("created_at", nullable=False),
        _timestamp("updated_at", nullable=False),
        _timestamp("started_at"),
        _timestamp("finished_at"),
        sa.Column("last_error", sa.Text),
        sa.CheckConstraint(_STATUSES, name="ck_jobs_status"),
    )
    op.create_index("ix_jobs_status_run_after", "jobs", ["status", "run_after"])
    op.create_index("ix_jobs_concurrency_key_status", "jobs", ["concurrency_key", "status"])
    op.create_table(
        "rate_limit_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(128), nullable=False),
        _timestamp("at", nullable=False),
    )
    op.create_index("ix_rate_limit_events_key_at", "rate_limit_events", ["key", "at"])
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(320)),
        _timestamp("created_at", nullable=False),
        _timestamp("disabled_at"),
    )
    op.create_index("uq_accounts_name", "accounts", ["name"], unique=True)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column(
            "account_id",
            sa.Uuid,
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        _timestamp("created_at", nullable=False),
        _timestamp("last_used_at"),
        _timestamp("expires_at"),
        _timestamp("revoked_at"),
    )
    op.create_index("uq_api_tokens_prefix", "api_tokens", ["prefix"], unique=True)
    op.create_index("ix_api_tokens_account_id", "api_tokens", ["account_id"])


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("accounts")
    op.drop_table("rate_limit_events")
    op.drop_table("jobs")
    op.drop_table("scan_dependencies")
    op.drop_table("scan_findings")
    op.drop_table("scan_reports")

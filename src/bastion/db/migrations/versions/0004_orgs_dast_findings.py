"""organisations and roles, app-scanning targets and scans, one findings store, GitHub
webhook deliveries and check runs

Revision ID: 0004_orgs_dast_findings
Revises: 0003_rate_limit_hit
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_orgs_dast_findings"
down_revision = "0003_rate_limit_hit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("github_installation_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "provider IN ('gh', 'ghe', 'gl', 'gle', 'bb', 'bbe')", name="ck_organizations_provider"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_organizations_installation", "organizations", ["github_installation_id"], unique=True
    )
    op.create_index(
        "uq_organizations_provider_name", "organizations", ["provider", "name_key"], unique=True
    )
    op.create_table(
        "dast_targets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_key", sa.String(length=2048), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("openapi_definition", sa.Text(), nullable=True),
        sa.Column("openapi_url", sa.Text(), nullable=True),
        sa.Column("auth_headers_encrypted", sa.Text(), nullable=True),
        sa.Column("auth_header_names", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("type IN ('webapp', 'api')", name="ck_dast_targets_type"),
        sa.ForeignKeyConstraint(["created_by"], ["accounts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["deleted_by"], ["accounts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_dast_targets_organization_created",
        "dast_targets",
        ["organization_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "uq_dast_targets_live_url",
        "dast_targets",
        ["organization_id", "url_key"],
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "memberships",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'manager', 'member')", name="ck_memberships_role"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("organization_id", "account_id"),
    )
    op.create_index("ix_memberships_account_id", "memberships", ["account_id"], unique=False)
    op.create_table(
        "dast_scans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=32), nullable=True),
        sa.Column("progress_percent", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("findings_count", sa.Integer(), nullable=False),
        sa.Column("stats", sa.Text(), nullable=True),
        sa.Column("pinned_address", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("job_id", sa.String(length=64), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'completed', 'failed', 'cancelled')",
            name="ck_dast_scans_status",
        ),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by"], ["accounts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["target_id"], ["dast_targets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_dast_scans_organization_created",
        "dast_scans",
        ["organization_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_dast_scans_target_created", "dast_scans", ["target_id", "created_at"], unique=False
    )
    op.create_index(
        "uq_dast_scans_active_target",
        "dast_scans",
        ["target_id"],
        unique=True,
        sqlite_where=sa.text("status IN ('queued', 'running')"),
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.create_table(
        "security_findings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("scan_type", sa.String(length=8), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("severity_rank", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("rule_id", sa.String(length=200), nullable=False),
        sa.Column("cwe", sa.Integer(), nullable=True),
        sa.Column("repository", sa.String(length=201), nullable=True),
        sa.Column("ecosystem", sa.String(length=32), nullable=True),
        sa.Column("package", sa.String(length=300), nullable=True),
        sa.Column("version", sa.String(length=200), nullable=True),
        sa.Column("fixed_version", sa.String(length=200), nullable=True),
        sa.Column("is_imported", sa.Boolean(), nullable=True),
        sa.Column("target_id", sa.Uuid(), nullable=True),
        sa.Column("target_url", sa.Text(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("endpoint", sa.Text(), nullable=True),
        sa.Column("parameter", sa.String(length=300), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_scan_id", sa.Uuid(), nullable=False),
        sa.Column("last_scan_id", sa.Uuid(), nullable=False),
        sa.Column("ignored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ignored_by", sa.Uuid(), nullable=True),
        sa.Column("ignored_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("scan_type IN ('SCA', 'DAST')", name="ck_security_findings_scan_type"),
        sa.CheckConstraint(
            "severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN')",
            name="ck_security_findings_severity",
        ),
        sa.CheckConstraint(
            "status IN ('open', 'fixed', 'ignored')", name="ck_security_findings_status"
        ),
        sa.ForeignKeyConstraint(["ignored_by"], ["accounts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["target_id"], ["dast_targets.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_security_findings_org_last_seen",
        "security_findings",
        ["organization_id", "last_seen_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_security_findings_org_type_status",
        "security_findings",
        ["organization_id", "scan_type", "status"],
        unique=False,
    )
    op.create_index(
        "ix_security_findings_repository",
        "security_findings",
        ["organization_id", "repository"],
        unique=False,
    )
    op.create_index("ix_security_findings_target", "security_findings", ["target_id"], unique=False)
    op.create_index(
        "uq_security_findings_fingerprint",
        "security_findings",
        ["organization_id", "fingerprint"],
        unique=True,
    )
    op.create_index("uq_accounts_email", "accounts", ["email"], unique=True)
    _create_webhook_tables()


def _create_webhook_tables() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=True),
        sa.Column("installation_id", sa.BigInteger(), nullable=True),
        sa.Column("scan_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["scan_id"], ["scan_reports.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("delivery_id"),
    )
    op.create_index(
        "ix_webhook_deliveries_received_at", "webhook_deliveries", ["received_at"], unique=False
    )
    op.create_table(
        "github_check_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scan_id", sa.Uuid(), nullable=False),
        sa.Column("details_url", sa.Text(), nullable=True),
        sa.Column("github_id", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sync_job_id", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'open', 'completed', 'failed')",
            name="ck_github_check_runs_state",
        ),
        sa.ForeignKeyConstraint(["scan_id"], ["scan_reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_github_check_runs_scan", "github_check_runs", ["scan_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_github_check_runs_scan", table_name="github_check_runs")
    op.drop_table("github_check_runs")
    op.drop_index("ix_webhook_deliveries_received_at", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("uq_accounts_email", table_name="accounts")
    op.drop_index("uq_security_findings_fingerprint", table_name="security_findings")
    op.drop_index("ix_security_findings_target", table_name="security_findings")
    op.drop_index("ix_security_findings_repository", table_name="security_findings")
    op.drop_index("ix_security_findings_org_type_status", table_name="security_findings")
    op.drop_index("ix_security_findings_org_last_seen", table_name="security_findings")
    op.drop_table("security_findings")
    op.drop_index(
        "uq_dast_scans_active_target",
        table_name="dast_scans",
        sqlite_where=sa.text("status IN ('queued', 'running')"),
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.drop_index("ix_dast_scans_target_created", table_name="dast_scans")
    op.drop_index("ix_dast_scans_organization_created", table_name="dast_scans")
    op.drop_table("dast_scans")
    op.drop_index("ix_memberships_account_id", table_name="memberships")
    op.drop_table("memberships")
    op.drop_index(
        "uq_dast_targets_live_url",
        table_name="dast_targets",
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index("ix_dast_targets_organization_created", table_name="dast_targets")
    op.drop_table("dast_targets")
    op.drop_index("uq_organizations_provider_name", table_name="organizations")
    op.drop_index("uq_organizations_installation", table_name="organizations")
    op.drop_table("organizations")

"""advisory mirror: advisories, affected index, sync state

Revision ID: 0001_advisory_mirror
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_advisory_mirror"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "advisories",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("modified", sa.String(32), nullable=False),
        sa.Column("published", sa.String(64)),
        sa.Column("withdrawn", sa.String(64)),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("aliases", sa.Text, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("cvss_score", sa.Float),
        sa.Column("cvss_vector", sa.String(256)),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("informational", sa.String(64)),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_table(
        "affected",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "advisory_id",
            sa.String(128),
            sa.ForeignKey("advisories.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("ecosystem", sa.String(64), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_affected_ecosystem_name", "affected", ["ecosystem", "name"])
    op.create_index("ix_affected_advisory_id", "affected", ["advisory_id"])
    op.create_table(
        "sync_state",
        sa.Column("ecosystem", sa.String(64), primary_key=True),
        sa.Column("last_modified", sa.String(32)),
        sa.Column("synced_at", sa.String(32)),
        sa.Column("imported_at", sa.String(32)),
        sa.Column("source", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_index("ix_affected_advisory_id", table_name="affected")
    op.drop_index("ix_affected_ecosystem_name", table_name="affected")
    op.drop_table("affected")
    op.drop_table("advisories")

"""rate limits: the PostgreSQL check-and-count as one server-side function

Revision ID: 0003_rate_limit_hit
Revises: 0002_service
Create Date: 2026-11-21

Run as a single autocommit statement, the advisory lock on the key is held only for the
function's own few microseconds. Done from the client, it was held across four round
trips, each of which waited for the Python thread to get the GIL back: under load the
lock queue, not the work, set the API's latency. SQLite needs nothing: it has no network
round trips and serialises writers anyway.
"""

from __future__ import annotations

from alembic import op

revision = "0003_rate_limit_hit"
down_revision = "0002_service"
branch_labels = None
depends_on = None

# Returns how many requests of ``p_key`` the window held before this one; it recorded
# this one when that is under ``p_limit``. In READ COMMITTED each statement of a volatile
# function takes a fresh snapshot, so the count after the lock sees every earlier holder's
# committed row (a transaction's rows are visible before its locks are released).
_CREATE = """
CREATE OR REPLACE FUNCTION bastion_rate_limit_hit(
    p_key text, p_now timestamptz, p_start timestamptz, p_limit integer
) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    counted integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_key, 0));
    DELETE FROM rate_limit_events WHERE key = p_key AND at <= p_start;
    SELECT count(*) INTO counted FROM rate_limit_events WHERE key = p_key AND at > p_start;
    IF counted < p_limit THEN
        INSERT INTO rate_limit_events (key, at) VALUES (p_key, p_now);
    END IF;
    RETURN counted;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS "
            "bastion_rate_limit_hit(text, timestamptz, timestamptz, integer)"
        )

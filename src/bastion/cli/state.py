"""Shared CLI plumbing: the database the commands work on."""

from __future__ import annotations

from sqlalchemy import Engine

from bastion.db.engine import ensure_schema, make_engine


def open_engine() -> Engine:
    """The configured database, migrated to the current schema."""
    engine = make_engine()
    ensure_schema(engine)
    return engine

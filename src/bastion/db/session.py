"""Transactions for the service's read-modify-write work, alike on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session in a transaction that commits on success and rolls back on error.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock
    before the first read, so a transaction that reads and then writes cannot interleave
    with another writer (a deferred one would fail with "database is locked" when it tries
    to upgrade its stale snapshot). The driver sees the explicit BEGIN and skips its own.
    """
    with Session(engine, expire_on_commit=False) as session, session.begin():
        if engine.dialect.name == "sqlite":
            session.execute(text("BEGIN IMMEDIATE"))
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session

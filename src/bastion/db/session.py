"""Transactions for the service's read-modify-write work, alike on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

_ON_COMMIT = "bastion.on_commit"


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


def on_commit(session: Session, callback: Callable[[], object]) -> None:
    """Call ``callback`` once the session's current transaction has committed (its locks
    released), or never if it rolls back: for signals about rows that must be visible to
    whoever receives them, such as a job queue's wake-up."""
    pending: list[Callable[[], object]] | None = session.info.get(_ON_COMMIT)
    if pending is None:
        pending = session.info[_ON_COMMIT] = []
        event.listen(session, "after_commit", _run_pending)
        event.listen(session, "after_rollback", _drop_pending)
    pending.append(callback)


def _run_pending(session: Session) -> None:
    pending: list[Callable[[], object]] = session.info.get(_ON_COMMIT, [])
    callbacks, pending[:] = list(pending), []
    for callback in callbacks:
        callback()


def _drop_pending(session: Session) -> None:
    session.info.get(_ON_COMMIT, []).clear()

"""Transactions for the service's read-modify-write work, alike on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

_ON_COMMIT = "bastion.on_commit"

# One writer lock per SQLite engine, for the threads of this process. SQLite has a single
# writer anyway; without this, a thread that finds the database locked waits in SQLite's
# busy handler, which sleeps in growing steps (up to 100 ms each) instead of waking when
# the lock is released — under load that sleep, not the work, made the API's slowest
# answers. Queued on a Python lock, the next writer starts the moment the last one ends.
# Other processes (separate workers) still meet the busy handler.
_SQLITE_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_SQLITE_WRITERS_GUARD = threading.Lock()


def _writer_lock(engine: Engine) -> threading.RLock:
    with _SQLITE_WRITERS_GUARD:
        lock = _SQLITE_WRITERS.get(engine)
        if lock is None:
            lock = _SQLITE_WRITERS[engine] = threading.RLock()
        return lock


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session in a transaction that commits on success and rolls back on error.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock
    before the first read, so a transaction that reads and then writes cannot interleave
    with another writer (a deferred one would fail with "database is locked" when it tries
    to upgrade its stale snapshot). The driver sees the explicit BEGIN and skips its own.
    """
    if engine.dialect.name != "sqlite":
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
        return
    with (
        _writer_lock(engine),
        Session(engine, expire_on_commit=False) as session,
        session.begin(),
    ):
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

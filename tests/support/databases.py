"""Throwaway databases at the newest schema, on SQLite and on PostgreSQL.

The job and scan tests need several connections, threads and even processes on one
database, so a test cannot live inside one rolled-back transaction: each gets its own
database instead, copied from a template migrated once per session (a file copy on
SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), which costs milliseconds.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from bastion.db.engine import ensure_schema, make_engine

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@dataclass
class Database:
    """One test's database; ``engine()`` opens another engine on it, as a second server
    process would."""

    dialect: str
    url: str
    _engines: list[Engine] = field(default_factory=list)

    def engine(self) -> Engine:
        engine = make_engine(self.url)
        self._engines.append(engine)
        return engine

    def dispose(self) -> None:
        for engine in self._engines:
            engine.dispose()


class _PostgresServer:
    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        # CREATE/DROP DATABASE cannot run inside a transaction.
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.template: str | None = None

    def url_for(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        name = f"bastion_test_{uuid.uuid4().hex[:12]}"
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}{clause}"))
        return name

    def drop(self, name: str) -> None:
        # FORCE: a worker process killed by a test may leave a session behind.
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def _postgres_server(postgres_url: str) -> Iterator[_PostgresServer]:
    server = _PostgresServer(postgres_url)
    name = server.create()
    engine = make_engine(server.url_for(name))
    ensure_schema(engine)
    # A template must have no open connections while databases are copied from it.
    engine.dispose()
    server.template = name
    yield server
    server.drop(name)
    server.admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    # Closing the last connection checkpoints the WAL into the file copied below.
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database at the newest schema, on each backend in turn."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "bastion.db"
        shutil.copyfile(template, path)
        db = Database("sqlite", f"sqlite:///{path}")
        yield db
        db.dispose()
        return
    server: _PostgresServer = request.getfixturevalue("_postgres_server")
    name = server.create(template=server.template)
    db = Database("postgresql", server.url_for(name))
    yield db
    db.dispose()
    server.drop(name)


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no tables at all, on each backend in turn."""
    if request.param == "sqlite":
        db = Database("sqlite", f"sqlite:///{tmp_path / 'empty.db'}")
        yield db
        db.dispose()
        return
    server: _PostgresServer = request.getfixturevalue("_postgres_server")
    name = server.create()
    db = Database("postgresql", server.url_for(name))
    yield db
    db.dispose()
    server.drop(name)


@pytest.fixture
def db_engine(database: Database) -> Engine:
    return database.engine()

"""Engine creation and schema upgrades for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from bastion.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Must equal the newest Alembic revision; tests/db/test_migrations.py checks it. Knowing it
# here lets every command confirm the schema with one query instead of importing Alembic
# and parsing the migration scripts on each start (≈100 ms of a scan's budget).
HEAD_REVISION = "0004_orgs_dast_findings"

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str | None = None, settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    url = url or settings.resolved_database_url()
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets scans read while an import or sync writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply Alembic migrations up to ``revision``."""
    from alembic import command  # noqa: PLC0415 - slow import, needed only when migrating
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def ensure_schema(engine: Engine) -> None:
    """Bring the schema to head, cheaply when it already is."""
    if current_revision(engine) != HEAD_REVISION:
        log.info("upgrading database schema to %s", HEAD_REVISION)
        upgrade(engine)

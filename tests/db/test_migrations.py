from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

import bastion.db.models  # noqa: F401 - registers the service's tables on Base.metadata
from bastion.db.engine import (
    HEAD_REVISION,
    MIGRATIONS_DIR,
    current_revision,
    ensure_schema,
    make_engine,
)
from bastion.db.tables import Base
from tests.support.databases import Database

SERVICE_TABLES = {
    "scan_reports",
    "scan_findings",
    "scan_dependencies",
    "jobs",
    "rate_limit_events",
    "accounts",
    "api_tokens",
    "organizations",
    "memberships",
    "dast_targets",
    "dast_scans",
    "security_findings",
    "webhook_deliveries",
    "github_check_runs",
}


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))


def test_head_revision_constant_matches_alembic() -> None:
    assert ScriptDirectory.from_config(_config()).get_current_head() == HEAD_REVISION


def test_migrations_produce_the_orm_schema(engine: Engine) -> None:
    assert _schema_diff(engine) == []


def test_ensure_schema_is_idempotent(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert current_revision(engine) is None
    ensure_schema(engine)
    ensure_schema(engine)
    assert current_revision(engine) == HEAD_REVISION


def test_migrations_reach_head_on_each_backend(empty_database: Database) -> None:
    engine = empty_database.engine()
    assert current_revision(engine) is None
    ensure_schema(engine)
    assert current_revision(engine) == HEAD_REVISION
    assert _schema_diff(engine) == []
    assert set(inspect(engine).get_table_names()) >= SERVICE_TABLES


def test_service_migration_downgrades_and_upgrades_again(empty_database: Database) -> None:
    engine = empty_database.engine()
    ensure_schema(engine)
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001_advisory_mirror")
    assert current_revision(engine) == "0001_advisory_mirror"
    assert not SERVICE_TABLES & set(inspect(engine).get_table_names())
    ensure_schema(engine)
    assert _schema_diff(engine) == []

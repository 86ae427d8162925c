"""Fixtures shared by the whole suite: the read-only reference data and throwaway databases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine

from bastion.advisories.importer import import_path
from bastion.db.engine import ensure_schema, make_engine
from bastion.settings import get_settings
from tests.support.databases import (  # noqa: F401 - fixtures shared by packages
    _postgres_server,
    _sqlite_template,
    database,
    db_engine,
    empty_database,
)
from tests.support.osv_bucket import osv_bucket  # noqa: F401 - fixture shared by packages
from tests.support.paths import REPO_ROOT, shared_dir
from tests.support.postgres import postgres_url  # noqa: F401 - session fixture
from tests.support.redis import redis_url  # noqa: F401 - session fixture

__all__ = ["REPO_ROOT", "shared_dir"]

# CI replays a fixed sequence of examples so a landing never hinges on a lucky draw; local
# runs (the default profile) keep exploring new inputs, which is how parser bugs are found.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def shared() -> Path:
    return shared_dir()


@pytest.fixture(autouse=True)
def _isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test ever touches the developer's real data directory or database."""
    monkeypatch.setenv("BASTION_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    ensure_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def osv_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A mirror holding every record of ../shared/osv, imported once per session."""
    osv = shared_dir() / "osv"
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('osv') / 'osv.db'}")
    ensure_schema(engine)
    report = import_path(engine, osv)
    assert not report.problems, report.problems[:3]
    yield engine
    engine.dispose()

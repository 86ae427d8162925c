"""The same mirror and matching code on PostgreSQL as on SQLite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from bastion.advisories.importer import import_path
from bastion.advisories.store import LocalMirror
from bastion.db.engine import ensure_schema, make_engine
from bastion.sca.scanner import scan_path
from tests.support.paths import shared_dir

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    ensure_schema(engine)
    yield engine
    engine.dispose()


def test_import_and_scan_agree_with_sqlite(pg_engine: Engine, osv_engine: Engine) -> None:
    osv = shared_dir() / "osv"
    for eco in ("npm", "crates.io", "Go"):
        report = import_path(pg_engine, osv / eco / "all.zip")
        assert not report.problems
    again = import_path(pg_engine, osv / "npm" / "all.zip")
    assert again.written == 0

    for app in ("npm-app", "rust-app", "go-app"):
        target = shared_dir() / "fixtures" / app
        on_pg = scan_path(target, LocalMirror(pg_engine))
        on_sqlite = scan_path(target, LocalMirror(osv_engine))
        pairs_pg = sorted(
            (f.dependency.name, f.dependency.version, f.vulnerability.id) for f in on_pg.findings
        )
        pairs_sqlite = sorted(
            (f.dependency.name, f.dependency.version, f.vulnerability.id)
            for f in on_sqlite.findings
        )
        assert pairs_pg == pairs_sqlite
        assert pairs_pg  # the fixtures are known to be vulnerable


def test_stats_on_postgres(pg_engine: Engine) -> None:
    import_path(pg_engine, shared_dir() / "osv" / "crates.io" / "all.zip")
    stats = {s.ecosystem: s for s in LocalMirror(pg_engine).stats()}
    assert stats["crates.io"].withdrawn == 13
    assert stats["crates.io"].records == 1206 - 13

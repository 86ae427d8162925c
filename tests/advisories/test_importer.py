from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

from sqlalchemy import Engine, func, select

from bastion.advisories.importer import import_path
from bastion.advisories.store import LocalMirror
from bastion.db.tables import Advisory, Affected
from bastion.ecosystems import Ecosystem
from tests.support.paths import shared_dir

TESTDATA = Path(__file__).parent / "testdata"


def _count(engine: Engine, table: type[Advisory] | type[Affected]) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_import_zip_then_reimport_is_idempotent(engine: Engine) -> None:
    zip_path = shared_dir() / "osv" / "npm" / "all.zip"
    first = import_path(engine, zip_path)
    assert first.read == first.written == 78
    rows = _count(engine, Affected)

    second = import_path(engine, zip_path)
    assert (second.written, second.unchanged) == (0, 78)
    assert _count(engine, Advisory) == 78
    assert _count(engine, Affected) == rows
    with engine.connect() as conn:
        npm_rows = conn.execute(
            select(func.count()).select_from(Affected).where(Affected.ecosystem == "npm")
        ).scalar_one()
    assert npm_rows == 140  # osv/README.md: 140 npm `affected` entries in this zip


def test_folder_of_ecosystem_zips(engine: Engine, tmp_path: Path) -> None:
    for eco in ("Maven", "NuGet"):
        (tmp_path / eco).mkdir()
        shutil.copy(shared_dir() / "osv" / eco / "all.zip", tmp_path / eco / "all.zip")
    report = import_path(engine, tmp_path)
    # GHSA-gxr4-xjj5-5px2 (jQuery) is in both zips: one record, stored once.
    assert report.read == 12
    assert report.written == 11
    assert _count(engine, Advisory) == 11
    stats = {s.ecosystem: s.records for s in LocalMirror(engine).stats()}
    assert stats["Maven"] == 6
    assert stats["NuGet"] == 6


def test_newer_modified_wins_older_is_ignored(engine: Engine, tmp_path: Path) -> None:
    record = json.loads((TESTDATA / "valid-record.json").read_text())
    (tmp_path / "r.json").write_text(json.dumps(record))
    import_path(engine, tmp_path / "r.json")

    older = dict(record, modified="2025-01-01T00:00:00Z", summary="older")
    (tmp_path / "r.json").write_text(json.dumps(older))
    assert import_path(engine, tmp_path / "r.json").written == 0

    newer = dict(
        record, modified="2026-06-01T00:00:00Z", summary="newer", affected=record["affected"][:1]
    )
    (tmp_path / "r.json").write_text(json.dumps(newer))
    assert import_path(engine, tmp_path / "r.json").written == 1
    info = LocalMirror(engine).advisories(["TEST-2026-0001"])["TEST-2026-0001"]
    assert info.summary == "newer"
    assert _count(engine, Affected) == 1  # the replaced record's old index rows are gone


def test_withdrawn_records_stop_matching(engine: Engine, tmp_path: Path) -> None:
    record = json.loads((TESTDATA / "valid-record.json").read_text())
    (tmp_path / "r.json").write_text(json.dumps(record))
    import_path(engine, tmp_path / "r.json")
    mirror = LocalMirror(engine)
    assert mirror.affected_entries(Ecosystem.PYPI, ["example-package"])

    withdrawn = dict(record, modified="2026-02-01T00:00:00Z", withdrawn="2026-02-01T00:00:00Z")
    (tmp_path / "r.json").write_text(json.dumps(withdrawn))
    import_path(engine, tmp_path / "r.json")
    assert mirror.affected_entries(Ecosystem.PYPI, ["example-package"]) == {}
    assert mirror.record_count() == 0


def test_malformed_input_is_reported_and_the_rest_imports(engine: Engine, tmp_path: Path) -> None:
    shutil.copy(TESTDATA / "valid-record.json", tmp_path / "good.json")
    for bad in ("affected-not-a-list.json", "no-modified.json", "truncated.json"):
        shutil.copy(TESTDATA / bad, tmp_path / bad)
    (tmp_path / "Broken").mkdir()
    (tmp_path / "Broken" / "all.zip").write_bytes(b"this is not a zip")
    with zipfile.ZipFile(tmp_path / "mixed.zip", "w") as archive:
        archive.writestr(
            "GOOD-1.json",
            json.dumps(dict(json.loads((TESTDATA / "valid-record.json").read_text()), id="GOOD-1")),
        )
        archive.writestr("BAD-1.json", "{not json")

    report = import_path(engine, tmp_path)

    assert report.written == 2
    problems = {(p.source, p.message.split(":")[0]) for p in report.problems}
    assert problems == {
        ("Broken/all.zip", "not a readable zip archive"),
        ("affected-not-a-list.json", "not a valid OSV record"),
        ("no-modified.json", "not a valid OSV record"),
        ("truncated.json", "not a valid OSV record"),
        ("mixed.zip:BAD-1.json", "not a valid OSV record"),
    }


def test_missing_path_is_a_problem_not_a_crash(engine: Engine, tmp_path: Path) -> None:
    report = import_path(engine, tmp_path / "nope")
    assert report.written == 0
    assert report.problems[0].message == "no such file or directory"

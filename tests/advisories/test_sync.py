from __future__ import annotations

import json
import zipfile

import httpx
import pytest
from sqlalchemy import Engine, func, select

from bastion.advisories.errors import SyncError
from bastion.advisories.store import LocalMirror
from bastion.advisories.sync import Syncer
from bastion.db.tables import Advisory, SyncState
from tests.support.osv_bucket import OsvBucket
from tests.support.paths import shared_dir


def _zip_count(ecosystem: str) -> int:
    with zipfile.ZipFile(shared_dir() / "osv" / ecosystem / "all.zip") as archive:
        return len(archive.namelist())


def _syncer(engine: Engine, bucket: OsvBucket, full_threshold: int = 1000) -> Syncer:
    return Syncer(engine, httpx.Client(timeout=10), bucket.url, full_threshold=full_threshold)


def _snapshot(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {row.id: row.record for row in conn.execute(select(Advisory.id, Advisory.record))}


def test_first_sync_downloads_every_dump(engine: Engine, osv_bucket: OsvBucket) -> None:
    report = _syncer(engine, osv_bucket).sync(["npm", "crates.io"])

    assert sorted(report.full) == ["crates.io", "npm"]
    assert "/npm/all.zip" in osv_bucket.requests
    assert not any(r.endswith(".json") for r in osv_bucket.requests)
    stats = {s.ecosystem: s for s in LocalMirror(engine).stats()}
    assert stats["npm"].records == _zip_count("npm")
    # 13 RustSec records are withdrawn: stored, counted apart, never matched.
    assert stats["crates.io"].records + stats["crates.io"].withdrawn == _zip_count("crates.io")
    assert stats["crates.io"].withdrawn == 13
    assert stats["npm"].last_sync is not None


def test_second_sync_fetches_only_changed_records(engine: Engine, osv_bucket: OsvBucket) -> None:
    _syncer(engine, osv_bucket).sync(["npm", "Maven"])
    osv_bucket.requests.clear()

    # One record changes upstream (it is withdrawn) and one is new.
    record = json.loads((osv_bucket.root / "npm" / "GHSA-29mw-wpgm-hmr9.json").read_text())
    record["withdrawn"] = "2026-11-01T00:00:00Z"
    record["modified"] = "2026-11-01T00:00:00.5Z"
    osv_bucket.publish("npm", json.dumps(record), record["id"], record["modified"])
    new = dict(record, id="GHSA-new0-0000-0000", modified="2026-11-02T00:00:00Z")
    new.pop("withdrawn")
    osv_bucket.publish("npm", json.dumps(new), new["id"], new["modified"])

    report = _syncer(engine, osv_bucket).sync()  # defaults to what was synced before

    assert report.incremental == {"Maven": 0, "npm": 2}
    assert report.full == []
    assert sorted(r for r in osv_bucket.requests if r.endswith(".json")) == [
        "/npm/GHSA-29mw-wpgm-hmr9.json",
        "/npm/GHSA-new0-0000-0000.json",
    ]
    assert "/npm/all.zip" not in osv_bucket.requests
    with engine.connect() as conn:
        withdrawn = conn.execute(
            select(Advisory.withdrawn).where(Advisory.id == "GHSA-29mw-wpgm-hmr9")
        ).scalar_one()
        last = conn.execute(
            select(SyncState.last_modified).where(SyncState.ecosystem == "npm")
        ).scalar_one()
    assert withdrawn == "2026-11-01T00:00:00Z"
    assert last == "2026-11-02T00:00:00.000000Z"
    assert "GHSA-new0-0000-0000" in LocalMirror(engine).advisories(["GHSA-new0-0000-0000"])


def test_failed_sync_leaves_previous_data_intact(engine: Engine, osv_bucket: OsvBucket) -> None:
    _syncer(engine, osv_bucket).sync(["npm"])
    before = _snapshot(engine)

    record = json.loads((osv_bucket.root / "npm" / "GHSA-29mw-wpgm-hmr9.json").read_text())
    record["modified"] = "2026-11-03T00:00:00Z"
    record["summary"] = "changed upstream"
    osv_bucket.publish("npm", json.dumps(record), record["id"], record["modified"])
    other = dict(record, id="GHSA-zzzz-0000-0000", modified="2026-11-04T00:00:00Z")
    osv_bucket.publish("npm", json.dumps(other), other["id"], other["modified"])
    osv_bucket.failures["/npm/GHSA-29mw-wpgm-hmr9.json"] = 503

    with pytest.raises(SyncError, match="503"):
        _syncer(engine, osv_bucket).sync(["npm"])
    assert _snapshot(engine) == before

    # Once the outage is over the same sync completes and picks up both records.
    del osv_bucket.failures["/npm/GHSA-29mw-wpgm-hmr9.json"]
    report = _syncer(engine, osv_bucket).sync(["npm"])
    assert report.incremental == {"npm": 2}
    assert _snapshot(engine)["GHSA-29mw-wpgm-hmr9"] == json.dumps(record)


def test_corrupt_zip_aborts_without_writing(engine: Engine, osv_bucket: OsvBucket) -> None:
    (osv_bucket.root / "Maven" / "all.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(SyncError, match=r"Maven/all\.zip"):
        _syncer(engine, osv_bucket).sync(["npm", "Maven"])
    assert _snapshot(engine) == {}


def test_many_changes_fall_back_to_the_full_dump(engine: Engine, osv_bucket: OsvBucket) -> None:
    syncer = _syncer(engine, osv_bucket, full_threshold=1)
    syncer.sync(["npm"])
    for index in range(2):
        record = json.loads((osv_bucket.root / "npm" / "GHSA-29mw-wpgm-hmr9.json").read_text())
        record.update(id=f"GHSA-many-000{index}-0000", modified=f"2026-11-0{index + 5}T00:00:00Z")
        osv_bucket.publish("npm", json.dumps(record), record["id"], record["modified"])
    osv_bucket.requests.clear()

    report = syncer.sync(["npm"])

    assert report.full == ["npm"]
    assert osv_bucket.requests == ["/npm/modified_id.csv", "/npm/all.zip"]
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(Advisory)).scalar_one()
            == _zip_count("npm") + 2
        )


def test_unknown_ecosystem_is_skipped_not_fatal(engine: Engine, osv_bucket: OsvBucket) -> None:
    report = _syncer(engine, osv_bucket).sync(["npm", "Nonexistent"])
    assert report.skipped == ["Nonexistent"]
    assert report.full == ["npm"]


def test_malformed_csv_is_an_error(engine: Engine, osv_bucket: OsvBucket) -> None:
    (osv_bucket.root / "npm" / "modified_id.csv").write_text("not a csv line\n")
    with pytest.raises(SyncError, match=r"modified_id\.csv:1"):
        _syncer(engine, osv_bucket).sync(["npm"])

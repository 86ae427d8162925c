"""Golden-file comparison for report output.

Run with ``BASTION_UPDATE_SNAPSHOTS=1`` to (re)write the files after an intended change,
then review the diff like any other code change.
"""

from __future__ import annotations

import os
from pathlib import Path

SNAPSHOT_DIR = Path(__file__).parent / "snapshots"
UPDATE_ENV = "BASTION_UPDATE_SNAPSHOTS"


def assert_matches_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOT_DIR / name
    if os.environ.get(UPDATE_ENV) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path.name}; run with {UPDATE_ENV}=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs; if intended, rerun with {UPDATE_ENV}=1"

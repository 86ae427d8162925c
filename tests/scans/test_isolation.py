"""Scans in separate processes: the same answer as on the worker's thread, the SBOM with
it, and a clear error when a scan process dies."""

from __future__ import annotations

import json
import os
import signal

import pytest
from sqlalchemy import Engine

from bastion.advisories.store import LocalMirror
from bastion.db.engine import make_engine
from bastion.sca.scanner import scan_path
from bastion.scans.isolation import ScanProcessDied, ScanProcesses, shares_database
from tests.support.paths import shared_dir


def test_a_scan_process_answers_like_the_thread(osv_engine: Engine) -> None:
    tree = shared_dir() / "fixtures" / "npm-app"
    processes = ScanProcesses(1)
    try:
        scanned = processes.scan(tree, osv_engine)
    finally:
        processes.close()
    expected = scan_path(tree, LocalMirror(osv_engine))
    assert scanned.result.findings == expected.findings
    assert scanned.result.total_deps == expected.total_deps
    assert scanned.result.findings  # the fixture has vulnerable dependencies
    sbom = json.loads(scanned.sbom)
    assert sbom["bomFormat"] == "CycloneDX"
    assert len(sbom["components"]) >= expected.total_deps - 1


def test_an_in_memory_database_stays_in_process() -> None:
    assert not shares_database(make_engine("sqlite:///:memory:"))
    assert shares_database(make_engine("sqlite:////tmp/somewhere.db"))
    assert shares_database(make_engine("postgresql+psycopg://u@localhost/db"))


def test_a_killed_scan_process_is_reported_and_replaced(osv_engine: Engine) -> None:
    tree = shared_dir() / "fixtures" / "npm-app"
    processes = ScanProcesses(1)
    try:
        processes.scan(tree, osv_engine)  # starts the pool
        pool = processes._pool
        assert pool is not None
        pids = set(pool._processes)
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(ScanProcessDied):
            processes.scan(tree, osv_engine)
        # The next scan gets a new pool.
        assert processes.scan(tree, osv_engine).result.findings
    finally:
        processes.close()

"""The shared npm-app fixture scanned by the real pipeline (stand-in tarball, the npm
advisories of ../shared/osv), then fixed: the pull request's package.json must raise
every vulnerable direct dependency and override every vulnerable nested copy, each to a
release at or above every fix the scan reported for it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.advisories.importer import import_path
from bastion.ecosystems import Ecosystem
from bastion.github.client import GitHubClient
from bastion.scans.executor import GitHubScanExecutor
from bastion.versions import compare_versions
from tests.fixes.test_api import SCAN, fix
from tests.server.conftest import ACME, MakeClient
from tests.support.github_standin import WRITE_PERMISSIONS, GitHubStandin
from tests.support.paths import shared_dir


@pytest.fixture
def scanning_client(
    make_client: MakeClient, github_client: GitHubClient, engine: Engine
) -> TestClient:
    report = import_path(engine, shared_dir() / "osv" / "npm" / "all.zip")
    assert not report.problems
    return make_client(executor=GitHubScanExecutor(github_client), scan_wait_seconds=60)


def at_least(version: str, fixed: str) -> bool:
    return compare_versions(Ecosystem.NPM, version, fixed) >= 0


def test_the_npm_fixture_gets_every_fix_it_needs(
    scanning_client: TestClient, github: GitHubStandin
) -> None:
    github.installations[ACME].permissions = dict(WRITE_PERMISSIONS)
    scanned = scanning_client.post("/api/scan", json=SCAN)
    assert scanned.status_code == 200, scanned.text
    findings: list[dict[str, Any]] = scanned.json()["result"]["findings"]
    before = json.loads((shared_dir() / "fixtures" / "npm-app" / "package.json").read_bytes())

    response = fix(scanning_client, scanned.json()["scan_id"])

    assert response.status_code == 200, response.text
    [pull] = github.pull_requests("acme", "npm-app")
    after = json.loads(github.files_at("acme", "npm-app", pull.head)["package.json"])
    declared, overrides = after["dependencies"], after.get("overrides", {})
    fixable = [f for f in findings if f["fixed_version"]]
    packages = {f["package"] for f in fixable}
    assert response.json()["pull_request"]["fixes_count"] == len(packages)
    for finding in fixable:
        name, version, fixed = finding["package"], finding["version"], finding["fixed_version"]
        if before["dependencies"].get(name) == version:
            assert at_least(declared[name], fixed), finding
        else:
            assert at_least(overrides[f"{name}@{version}"], fixed), finding
    # Nothing else moved: packages without a fixed release keep their declaration.
    for name, spec in before["dependencies"].items():
        if name not in packages:
            assert declared[name] == spec
    # The seven vulnerable nested copies (EXPECTED.md) are overridden, one key each.
    assert set(overrides) == {
        "body-parser@1.18.2",
        "cookie@0.3.1",
        "minimist@0.0.10",
        "path-to-regexp@0.1.7",
        "semver@7.3.5",
        "send@0.16.0",
        "serve-static@1.13.0",
    }

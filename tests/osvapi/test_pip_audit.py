"""pip-audit, a third-party OSV client, against a real `bastion serve` process: it must
report exactly what `bastion scan` reports for the same requirements file, without
touching any network but the loopback one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bastion.ecosystems import Ecosystem, normalize_package_name
from tests.server.test_e2e import Server, _bastion, running_server, server_env
from tests.support.paths import shared_dir

pytestmark = pytest.mark.slow

# A proxy nobody listens on: any request that is not for the loopback server fails.
NO_NETWORK = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
    "PIP_NO_INDEX": "1",
}


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, github_app_key: rsa.RSAPrivateKey
) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("osv-serve")
    # The GitHub App settings only have to be valid: nothing here calls GitHub.
    env = server_env(tmp, "http://127.0.0.1:9", github_app_key)
    done = _bastion("advisories", "import", str(shared_dir() / "osv" / "PyPI" / "all.zip"), env=env)
    assert done.returncode == 0, done.stderr
    with running_server(env, tmp) as server:
        yield server


def pip_audit(requirements: Path, url: str, cache: Path) -> dict[str, Any]:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "pip-audit"),
            "--requirement", str(requirements),
            # Fully pinned: no resolution, so pip and package indexes are never needed.
            "--no-deps", "--disable-pip",
            "--vulnerability-service", "osv", "--osv-url", url,
            "--cache-dir", str(cache),
            "--progress-spinner", "off",
            "--format", "json", "--aliases", "on", "--desc", "off",
        ],
        env={**os.environ, **NO_NETWORK},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )  # fmt: skip
    # 1: vulnerabilities found, which this file has.
    assert done.returncode == 1, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_pip_audit_reports_what_bastion_scan_reports(server: Server, tmp_path: Path) -> None:
    requirements = shared_dir() / "fixtures" / "python-app" / "requirements.txt"
    audit = pip_audit(requirements, f"{server.url}/v1/query", tmp_path / "cache")
    scan = _bastion("scan", str(requirements), "--format", "json", env=server.env)
    assert scan.returncode == 1, scan.stderr
    findings = json.loads(scan.stdout)["findings"]

    def key(name: str, version: str) -> tuple[str, str]:
        return normalize_package_name(Ecosystem.PYPI, name), version

    scanned: dict[tuple[str, str], set[str]] = defaultdict(set)
    for finding in findings:
        dep = finding["dependency"]
        scanned[key(dep["name"], dep["version"])].add(finding["vulnerability"]["id"])
    audited: dict[tuple[str, str], list[dict[str, Any]]] = {
        key(dep["name"], dep["version"]): dep["vulns"]
        for dep in audit["dependencies"]
        if dep.get("vulns")
    }
    assert not [dep for dep in audit["dependencies"] if "skip_reason" in dep]
    assert set(audited) == set(scanned)
    for package, vulns in audited.items():
        # pip-audit reports the ids the API answered, and merges results that share an
        # alias into one; every advisory the scan found is in exactly one such group.
        reported = {v["id"] for v in vulns}
        groups = [{v["id"], *v["aliases"]} for v in vulns]
        assert reported <= scanned[package], package
        for vuln_id in scanned[package]:
            assert sum(vuln_id in group for group in groups) == 1, (package, vuln_id)
    assert sum(len(v) for v in scanned.values()) == len(findings) > 100

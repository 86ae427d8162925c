"""The flow a security team runs, with real processes: `bastion serve`, the admin CLI and
curl. An admin token comes from the CLI; with it, curl registers the DAST test app as a
target, triggers a scan, polls it to the end and finds its findings under
``scanType=DAST``; a dependency scan through ``POST /api/scan`` shows up under
``scanType=SCA`` of the same organisation.

The GitHub stand-in is not api.github.com, so the installation's organisation is a
GitHub Enterprise one: ``ghe/acme``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.server.conftest import ACME
from tests.server.test_e2e import Server, running_server, server_env, standin
from tests.support.dast_app.server import start_dast_app
from tests.support.github_standin import GitHubStandin

__all__ = ["standin"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl"),
]

ORG = "/api/v3/organizations/ghe/acme"
ADMIN = "admin@acme.example"
# A whole scan of the test app without the browser takes about two minutes here.
SCAN_DEADLINE = 600.0


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bastion", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"bastion {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def _curl(
    server: Server, token: str, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    command = [
        "curl", "-sS", "-X", method, f"{server.url}{path}",
        "-H", f"api-token: {token}",
        "-w", "\n%{http_code}",
    ]  # fmt: skip
    if body is not None:
        command += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    text, _, status = done.stdout.rpartition("\n")
    return int(status), json.loads(text) if text else None


@pytest.fixture(scope="module")
def dast_app() -> Iterator[str]:
    with start_dast_app() as url:
        yield url


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    standin: GitHubStandin,
    github_app_key: rsa.RSAPrivateKey,
) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("orgs")
    env = server_env(tmp, standin.url, github_app_key)
    # The test app listens on loopback, which targets may use only when allow-listed.
    env["BASTION_DAST_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    with running_server(env, tmp) as server:
        yield server
    # Every error above reached the caller as an envelope, never as a traceback.
    assert "Traceback" not in Path(server.log).read_text()


@pytest.fixture(scope="module")
def admin_token(server: Server) -> str:
    _cli(server.env, "orgs", "create", "ghe", "acme")
    _cli(server.env, "users", "create", ADMIN)
    _cli(server.env, "members", "add", "ghe/acme", ADMIN, "--role", "admin")
    return _cli(server.env, "tokens", "create", ADMIN).splitlines()[-1]


def _all_findings(server: Server, token: str, query: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        status, page = _curl(
            server, token, "GET", f"{ORG}/security/findings?{query}&limit=100{cursor}"
        )
        assert status == 200, page
        found += page["findings"]
        if not page["nextCursor"]:
            return found
        cursor = f"&cursor={page['nextCursor']}"


def test_a_dast_target_is_scanned_and_its_findings_are_searchable(
    server: Server, admin_token: str, dast_app: str
) -> None:
    status, target = _curl(
        server, admin_token, "POST", f"{ORG}/dast/targets", {"url": dast_app, "type": "webapp"}
    )
    assert status == 201, target
    assert target["url"].rstrip("/") == dast_app
    status, again = _curl(server, admin_token, "POST", f"{ORG}/dast/targets", {"url": dast_app})
    assert (status, again["error"]["code"]) == (409, "target_exists")

    status, accepted = _curl(
        server, admin_token, "POST", f"{ORG}/dast/targets/{target['id']}/analyze"
    )
    assert status == 202, accepted
    scan_id = accepted["scanId"]
    status, repeated = _curl(
        server, admin_token, "POST", f"{ORG}/dast/targets/{target['id']}/analyze"
    )
    assert (status, repeated["scanId"]) == (202, scan_id)

    deadline = time.monotonic() + SCAN_DEADLINE
    while True:
        status, scan = _curl(
            server, admin_token, "GET", f"{ORG}/dast/targets/{target['id']}/scans/{scan_id}"
        )
        assert status == 200, scan
        if scan["status"] not in ("queued", "running"):
            break
        assert time.monotonic() < deadline, scan
        time.sleep(2)
    assert scan["status"] == "completed", scan
    assert scan["findingsCount"] > 0

    findings = _all_findings(server, admin_token, "scanType=DAST")
    assert findings
    assert {finding["targetId"] for finding in findings} == {target["id"]}
    assert {finding["scanType"] for finding in findings} == {"DAST"}
    # Injection classes the test app is built to have: XSS, SQL and OS command injection,
    # path traversal.
    assert {79, 89, 78, 22} <= {finding["cwe"] for finding in findings}
    assert len(findings) <= scan["findingsCount"]
    assert not _all_findings(server, admin_token, "scanType=SCA&target=" + target["id"])


def test_a_dependency_scan_shows_up_under_sca(server: Server, admin_token: str) -> None:
    status, accepted = _curl(
        server,
        admin_token,
        "POST",
        "/api/scan",
        {"installation_id": ACME, "owner": "acme", "repo": "npm-app", "ref": "main"},
    )
    assert status in (200, 202), accepted
    deadline = time.monotonic() + 120
    while True:
        status, report = _curl(server, admin_token, "GET", f"/api/scan/{accepted['scan_id']}")
        if report["status"] not in ("queued", "running"):
            break
        assert time.monotonic() < deadline, report
        time.sleep(0.5)
    assert report["status"] == "success", report
    advisories = {finding["vulnerability_id"] for finding in report["result"]["findings"]}
    assert advisories

    findings = _all_findings(server, admin_token, "scanType=SCA&repository=acme/npm-app")
    assert {finding["repository"] for finding in findings} == {"acme/npm-app"}
    assert {finding["ruleId"] for finding in findings} == advisories
    assert all(finding["status"] == "open" for finding in findings)

    status, overview = _curl(server, admin_token, "GET", f"{ORG}/security/overview")
    assert status == 200, overview
    assert json.dumps(overview).count("SCA") >= 1


def test_a_member_reads_but_may_not_manage(server: Server, admin_token: str) -> None:
    _cli(server.env, "users", "create", "dev@acme.example")
    _cli(server.env, "members", "add", "ghe/acme", "dev@acme.example", "--role", "member")
    member = _cli(server.env, "tokens", "create", "dev@acme.example").splitlines()[-1]
    status, _ = _curl(server, member, "GET", f"{ORG}/security/findings")
    assert status == 200
    status, refused = _curl(
        server, member, "POST", f"{ORG}/dast/targets", {"url": "http://127.0.0.1:9/"}
    )
    assert (status, refused["error"]["code"]) == (403, "forbidden")
    status, hidden = _curl(server, member, "GET", "/api/v3/organizations/gh/globex/dast/targets")
    assert status == 404, hidden
    prefix = member.split("_")[1]
    _cli(server.env, "tokens", "revoke", prefix)
    status, _ = _curl(server, member, "GET", f"{ORG}/security/findings")
    assert status == 401

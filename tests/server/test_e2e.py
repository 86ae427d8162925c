"""`bastion serve` as a real process, used the way people use it: curl, requests, and a
CI step that fails when the scan's conclusion is ``failure``."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import create_engine, make_url, text

from tests.server.conftest import ACME, populate
from tests.support.github_standin import APP_ID, GitHubStandin, running_standin
from tests.support.paths import shared_dir

pytestmark = pytest.mark.slow

NPM_APP: dict[str, Any] = {
    "installation_id": ACME,
    "owner": "acme",
    "repo": "npm-app",
    "ref": "main",
}

CI_STEP = r"""
set -euo pipefail
answer=$(curl -sS -X POST "$BASTION_URL/api/scan" \
  -H "api-token: $BASTION_TOKEN" -H 'Content-Type: application/json' \
  -d "$(jq -n --argjson id "$INSTALLATION" --arg repo "$REPO" \
        '{installation_id: $id, owner: "acme", repo: $repo, ref: "main"}')")
scan_id=$(jq -r .scan_id <<<"$answer")
for _ in $(seq 1 120); do
  report=$(curl -sS -H "api-token: $BASTION_TOKEN" "$BASTION_URL/api/scan/$scan_id")
  case "$(jq -r .status <<<"$report")" in
    queued|running) sleep 0.5 ;;
    *) break ;;
  esac
done
conclusion=$(jq -r .result.conclusion <<<"$report")
count=$(jq -r .result.vulnerability_count <<<"$report")
echo "bastion conclusion: $conclusion ($count vulnerabilities)"
[ "$conclusion" != failure ]
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bastion(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bastion", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


@dataclass
class Server:
    url: str
    token: str
    env: dict[str, str]
    log: Path


def server_env(tmp: Path, github_url: str, key: rsa.RSAPrivateKey) -> dict[str, str]:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "BASTION_"))}
    env.update(
        {
            "BASTION_DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": f"sqlite:///{tmp / 'bastion.db'}",
            "GITHUB_APP_ID": str(APP_ID),
            "GITHUB_PRIVATE_KEY": base64.b64encode(pem).decode(),
            "GITHUB_WEBHOOK_SECRET": "throwaway-secret",
            "GITHUB_API_URL": github_url,
        }
    )
    return env


@pytest.fixture(scope="module")
def standin(github_app_key: rsa.RSAPrivateKey) -> Iterator[GitHubStandin]:
    standin = GitHubStandin(APP_ID, github_app_key.public_key())
    with running_standin(standin):
        yield populate(standin)
    assert not standin.violations, "\n".join(standin.violations)


@contextmanager
def running_server(env: dict[str, str], tmp: Path, *serve_args: str) -> Iterator[Server]:
    """Import npm advisories, create a token, start `bastion serve` and wait for it."""
    done = _bastion("advisories", "import", str(shared_dir() / "osv" / "npm" / "all.zip"), env=env)
    assert done.returncode == 0, done.stderr
    created = _bastion("tokens", "create", "ci", env=env)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    port = _free_port()
    log = tmp / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bastion", "serve", "--port", str(port), *serve_args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield Server(url, token, env, log)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    standin: GitHubStandin,
    github_app_key: rsa.RSAPrivateKey,
) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("serve")
    with running_server(server_env(tmp, standin.url, github_app_key), tmp) as server:
        yield server


def _poll(server: Server, scan_id: str) -> dict[str, object]:
    headers = {"api-token": server.token}
    for _ in range(240):
        report: dict[str, object] = requests.get(
            f"{server.url}/api/scan/{scan_id}", headers=headers, timeout=10
        ).json()
        if report["status"] not in ("queued", "running"):
            return report
        time.sleep(0.25)
    raise AssertionError(f"scan {scan_id} did not finish")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_with_a_json_body(server: Server) -> None:
    done = subprocess.run(
        [
            "curl",
            "-sS",
            "-X",
            "POST",
            f"{server.url}/api/scan",
            "-H",
            f"api-token: {server.token}",
            "-H",
            "Content-Type: application/json",
            "-d",
            json.dumps(NPM_APP),
            "-w",
            "\n%{http_code}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    body, status = done.stdout.rsplit("\n", 1)
    answer = json.loads(body)
    assert status in ("200", "202"), done.stdout
    assert answer["status"] == ("success" if status == "200" else "accepted")
    report = _poll(server, answer["scan_id"])
    assert report["status"] == "success"
    result = report["result"]
    assert isinstance(result, dict)
    assert result["conclusion"] == "failure"
    assert result["ecosystems"] == ["npm"]
    assert result["vulnerability_count"] > 0


def test_python_requests(server: Server) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {server.token}"
    answer = session.post(f"{server.url}/api/scan", json=NPM_APP, timeout=60)
    assert answer.status_code in (200, 202), answer.text
    scan_id = answer.json()["scan_id"]
    report = _poll(server, scan_id)
    assert report["status"] == "success"
    sbom = session.get(f"{server.url}/api/sbom/{scan_id}", timeout=10)
    assert sbom.headers["content-type"] == "application/vnd.cyclonedx+json"
    assert {c["name"] for c in sbom.json()["components"]} >= {"lodash"}
    missing = session.post(f"{server.url}/api/scan", json={**NPM_APP, "repo": "gone"}, timeout=60)
    assert missing.status_code == 404
    assert missing.json() == {
        "status": "error",
        "error": {"code": "repo_not_found", "message": "Repository not found or not accessible"},
    }
    anonymous = requests.post(f"{server.url}/api/scan", json=NPM_APP, timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"


@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("jq") is None, reason="needs curl and jq"
)
@pytest.mark.parametrize(("repo", "passes"), [("npm-app", False), ("python-app", True)])
def test_ci_step_fails_on_a_blocking_finding(server: Server, repo: str, passes: bool) -> None:
    env = {
        **os.environ,
        "BASTION_URL": server.url,
        "BASTION_TOKEN": server.token,
        "INSTALLATION": str(ACME),
        "REPO": repo,
    }
    done = subprocess.run(
        ["bash", "-c", CI_STEP], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode == 0) is passes, done.stdout + done.stderr
    expected = "success" if passes else "failure"
    assert f"bastion conclusion: {expected}" in done.stdout, done.stdout + done.stderr


def test_health_metrics_and_json_logs(server: Server) -> None:
    health = requests.get(f"{server.url}/health", timeout=10).json()
    assert health["status"] == "ok"
    assert health["database"] == "ok"
    assert health["cache_size"] > 0  # the npm advisories imported above
    metrics = requests.get(f"{server.url}/metrics", timeout=10).text
    assert "bastion_advisory_records" in metrics
    assert "bastion_github_api_calls_total" in metrics
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]
    events = {line["event"] for line in lines}
    assert {"server.started", "http.request"} <= events
    requested = [line for line in lines if line["event"] == "scan.requested"]
    assert requested
    assert {"scan_id", "repo", "duration_ms"} <= set(requested[0])


def test_serve_refuses_to_start_without_github_settings(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["BASTION_DATA_DIR"] = str(tmp_path)
    env["GITHUB_PRIVATE_KEY"] = "-----BEGIN RSA PRIVATE KEY-----"
    done = _bastion("serve", "--port", str(_free_port()), env=env)
    assert done.returncode == 2
    problems = done.stderr.strip().splitlines()
    assert len(problems) == 3, done.stderr
    assert all(line.startswith("bastion: error: GITHUB_") for line in problems)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BASTION_DAST_ALLOWED_NETWORKS", "10.0.0.0/33"),
        ("BASTION_DAST_ALLOWED_NETWORKS", "http://intranet:8080/"),
        ("BASTION_SECRET_KEY", "not-a-fernet-key"),
    ],
)
def test_serve_refuses_to_start_with_bad_dast_settings(
    variable: str,
    value: str,
    tmp_path: Path,
    standin: GitHubStandin,
    github_app_key: rsa.RSAPrivateKey,
) -> None:
    env = server_env(tmp_path, standin.url, github_app_key)
    env[variable] = value
    done = _bastion("serve", "--port", str(_free_port()), env=env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr
    assert done.stderr.startswith(f"bastion: error: {variable}"), done.stderr


def test_tokens_revoke(server: Server) -> None:
    created = _bastion("tokens", "create", "temporary", env=server.env)
    token = created.stdout.strip()
    headers = {"api-token": token}
    assert requests.get(f"{server.url}/api/scan/x", headers=headers, timeout=10).status_code == 404
    prefix = token.split("_")[1]
    revoked = _bastion("tokens", "revoke", prefix, env=server.env)
    assert revoked.returncode == 0, revoked.stderr
    assert requests.get(f"{server.url}/api/scan/x", headers=headers, timeout=10).status_code == 401
    again = _bastion("tokens", "revoke", prefix, env=server.env)
    assert again.returncode == 2


@pytest.mark.postgres
def test_serve_on_postgresql(
    postgres_url: str,
    tmp_path: Path,
    standin: GitHubStandin,
    github_app_key: rsa.RSAPrivateKey,
) -> None:
    database = f"bastion_serve_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {database}"))
    env = server_env(tmp_path, standin.url, github_app_key)
    env["DATABASE_URL"] = make_url(postgres_url).set(database=database).render_as_string(False)
    try:
        with running_server(env, tmp_path) as server:
            done = subprocess.run(
                ["curl", "-sS", "-X", "POST", f"{server.url}/api/scan", "-H",
                 f"api-token: {server.token}", "-H", "Content-Type: application/json",
                 "-d", json.dumps(NPM_APP)],
                capture_output=True, text=True, timeout=60, check=True,
            )  # fmt: skip
            report = _poll(server, json.loads(done.stdout)["scan_id"])
            assert report["status"] == "success"
            assert isinstance(report["result"], dict)
            assert report["result"]["conclusion"] == "failure"
            health = requests.get(f"{server.url}/health", timeout=10).json()
            assert health["database"] == "ok"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        admin.dispose()

"""SPEC §2's scan API against the ASGI app: shapes, every error code, limits, metrics."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.accounts.service import revoke_token_by_prefix
from bastion.accounts.tokens import parse_prefix
from bastion.clock import utcnow
from bastion.db.session import write_session
from bastion.github.client import GitHubClient
from bastion.scans.executor import GitHubScanExecutor
from tests.server.conftest import ACME, GLOBEX, MakeClient
from tests.support.github_standin import GitHubStandin

BODY: dict[str, Any] = {"installation_id": ACME, "owner": "acme", "repo": "npm-app", "ref": "main"}
RESULT_KEYS = {
    "conclusion",
    "vulnerability_count",
    "imported_count",
    "total_deps",
    "ecosystems",
    "duration_ms",
    "findings",
}
FINDING_KEYS = {
    "package",
    "version",
    "ecosystem",
    "vulnerability_id",
    "severity",
    "is_imported",
    "fixed_version",
}


def assert_error(response: Any, status: int, code: str, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert set(body) == {"status", "error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    if message is not None:
        assert body["error"]["message"] == message


def test_a_scan_that_finishes_within_the_wait_answers_200_with_the_result(
    client: TestClient,
) -> None:
    response = client.post("/api/scan", json=BODY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"status", "scan_id", "result"}
    assert body["status"] == "success"
    uuid.UUID(body["scan_id"])
    result = body["result"]
    assert set(result) == RESULT_KEYS
    assert result["conclusion"] == "failure"
    assert result["vulnerability_count"] == len(result["findings"]) == 2
    assert all(set(f) == FINDING_KEYS for f in result["findings"])


def test_a_slow_scan_answers_202_and_the_same_commit_reuses_it(make_client: MakeClient) -> None:
    # No workers: the scan stays queued, as behind a busy pool.
    client = make_client(run_workers=False, scan_wait_seconds=0.2)
    first = client.post("/api/scan", json=BODY)
    assert first.status_code == 202, first.text
    body = first.json()
    assert body == {"status": "accepted", "scan_id": body["scan_id"], "message": "Scan started"}
    # The same commit again, by ref spelled differently and by sha: the same scan.
    sha = client.get(f"/api/scan/{body['scan_id']}").json()["sha"]
    again = client.post("/api/scan", json={**BODY, "owner": "ACME", "ref": "v1.0.0"})
    by_sha = client.post("/api/scan", json={**BODY, "sha": sha})
    assert again.json()["scan_id"] == by_sha.json()["scan_id"] == body["scan_id"]
    status = client.get(f"/api/scan/{body['scan_id']}").json()
    assert status["status"] == "queued"
    assert status["result"] is None


def test_status_and_sbom_of_a_finished_scan(client: TestClient) -> None:
    scan_id = client.post("/api/scan", json=BODY).json()["scan_id"]
    status = client.get(f"/api/scan/{scan_id}")
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "success"
    assert (body["owner"], body["repo"], body["ref"]) == ("acme", "npm-app", "main")
    assert len(body["sha"]) == 40
    assert body["result"]["conclusion"] == "failure"
    sbom = client.get(f"/api/sbom/{scan_id}")
    assert sbom.status_code == 200
    assert sbom.headers["content-type"] == "application/vnd.cyclonedx+json"
    assert sbom.json()["bomFormat"] == "CycloneDX"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({k: v for k, v in BODY.items() if k != "owner"}, "Missing required field: owner"),
        (
            {**BODY, "installation_id": "1001"},
            "Invalid type for field installation_id: expected an integer",
        ),
        ({**BODY, "repo": 5}, "Invalid type for field repo: expected a string"),
        ("{not json", "Request body is not valid JSON"),
        ("", "Request body is not valid JSON"),
        ("[1, 2]", "Request body must be a JSON object"),
    ],
)
def test_invalid_requests_are_400(client: TestClient, body: Any, message: str) -> None:
    content = body if isinstance(body, str) else json.dumps(body)
    response = client.post(
        "/api/scan", content=content, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "invalid_request", message)


def test_anonymous_calls_are_refused(make_client: MakeClient) -> None:
    client = make_client(authenticated=False)
    for response in (
        client.post("/api/scan", json=BODY),
        client.get(f"/api/scan/{uuid.uuid4()}"),
        client.get(f"/api/sbom/{uuid.uuid4()}"),
    ):
        assert_error(response, 401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Bearer")
    bad = client.post("/api/scan", json=BODY, headers={"api-token": "bst_abcdefgh_" + "x" * 43})
    assert_error(bad, 401, "unauthorized")
    # Operations stay open.
    assert client.get("/health").status_code == 200
    assert client.get("/metrics").status_code == 200


def test_bearer_tokens_work_and_revoked_ones_do_not(
    make_client: MakeClient, token: str, engine: Engine
) -> None:
    client = make_client(authenticated=False)
    bearer = {"authorization": f"Bearer {token}"}
    assert client.post("/api/scan", json=BODY, headers=bearer).status_code == 200
    with write_session(engine) as session:
        prefix = parse_prefix(token)
        assert prefix is not None
        assert revoke_token_by_prefix(session, prefix, utcnow())
    assert_error(client.post("/api/scan", json=BODY, headers=bearer), 401, "unauthorized")


def test_anonymous_calls_when_allowed(make_client: MakeClient) -> None:
    client = make_client(authenticated=False, allow_anonymous_api=True)
    assert client.post("/api/scan", json=BODY).status_code == 200
    # A token that is presented must still be valid.
    refused = client.post("/api/scan", json=BODY, headers={"api-token": "nope"})
    assert_error(refused, 401, "unauthorized")


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        (
            {**BODY, "installation_id": 999},
            401,
            "invalid_installation",
            "GitHub App is not installed on this repository",
        ),
        (
            {**BODY, "installation_id": GLOBEX, "owner": "globex", "repo": "billing"},
            401,
            "invalid_installation",
            "GitHub App is not installed on this repository",
        ),
        (
            {**BODY, "repo": "no-such-repo"},
            404,
            "repo_not_found",
            "Repository not found or not accessible",
        ),
        (
            {**BODY, "ref": "no-such-branch"},
            404,
            "repo_not_found",
            "Repository not found or not accessible",
        ),
        ({**BODY, "sha": "f" * 40}, 404, "repo_not_found", None),
    ],
)
def test_github_problems_are_answered_at_once(
    client: TestClient, body: dict[str, Any], status: int, code: str, message: str | None
) -> None:
    assert_error(client.post("/api/scan", json=body), status, code, message)


def test_github_outage_is_502(client: TestClient, github: GitHubStandin) -> None:
    github.fail(r"/installation$", 503, times=10)
    assert_error(client.post("/api/scan", json=BODY), 502, "github_unavailable")


def test_rate_limit_per_installation_with_retry_after(
    make_client: MakeClient, github: GitHubStandin
) -> None:
    client = make_client(scan_requests_per_hour=2)
    assert client.post("/api/scan", json=BODY).status_code == 200
    assert client.post("/api/scan", json=BODY).status_code == 200
    calls = len(github.calls)
    refused = client.post("/api/scan", json=BODY)
    assert_error(refused, 429, "rate_limited")
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert len(github.calls) == calls, "a refused request must not spend GitHub API calls"
    # Another installation has its own budget.
    other = {**BODY, "installation_id": GLOBEX, "owner": "globex", "repo": "api"}
    assert client.post("/api/scan", json=other).status_code == 200


@pytest.mark.parametrize("scan_id", [str(uuid.UUID(int=1)), "not-a-uuid"])
def test_unknown_scans_are_404(client: TestClient, scan_id: str) -> None:
    assert_error(client.get(f"/api/scan/{scan_id}"), 404, "scan_not_found", "Scan not found")
    assert_error(client.get(f"/api/sbom/{scan_id}"), 404, "scan_not_found")


def test_unknown_routes_and_methods_use_the_envelope(client: TestClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(client.get("/api/scan"), 405, "method_not_allowed")
    assert_error(client.delete("/health"), 405, "method_not_allowed")


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "version", "cache_size", "uptime_seconds", "database"}
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["cache_size"] == 0
    assert body["uptime_seconds"] >= 0


def test_metrics(client: TestClient) -> None:
    client.post("/api/scan", json=BODY)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'bastion_scans{conclusion="failure",status="done"} 1.0' in text
    assert "bastion_scan_duration_seconds_count 1.0" in text
    assert 'bastion_scan_duration_seconds_bucket{le="+Inf"} 1.0' in text
    assert "bastion_queue_depth 0.0" in text
    assert 'bastion_queue_jobs{status="done"} 1.0' in text
    assert "bastion_advisory_records 0.0" in text
    assert (
        'bastion_github_api_calls_total{operation="get_repo_installation",status="200"} 1.0' in text
    )


def test_openapi_describes_every_route_and_the_error_shape(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert {
        "/api/scan",
        "/api/scan/{scan_id}",
        "/api/sbom/{scan_id}",
        "/health",
        "/metrics",
    } <= set(paths)
    post = paths["/api/scan"]["post"]
    assert {"200", "202", "400", "401", "404", "429"} <= set(post["responses"])
    assert "ErrorResponse" in spec["components"]["schemas"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "installation_id",
        "owner",
        "repo",
        "ref",
    ]


def test_the_github_executor_scans_the_resolved_commit(
    make_client: MakeClient, github_client: GitHubClient
) -> None:
    client = make_client(executor=GitHubScanExecutor(github_client), scan_wait_seconds=20)
    response = client.post("/api/scan", json={**BODY, "repo": "python-app"})
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    # No advisories are loaded here: dependencies are found, nothing could be checked, so
    # the verdict is neutral rather than a clean "success".
    assert result["total_deps"] > 0
    assert result["ecosystems"] == ["PyPI"]
    assert result["conclusion"] == "neutral"


def test_a_repository_gone_before_the_job_ends_the_scan_with_its_code(
    make_client: MakeClient, github_client: GitHubClient, github: GitHubStandin
) -> None:
    client = make_client(executor=GitHubScanExecutor(github_client), scan_wait_seconds=0)
    github.fail(r"/tarball/", 404, times=1)
    scan_id = client.post("/api/scan", json=BODY).json()["scan_id"]
    for _ in range(100):
        status = client.get(f"/api/scan/{scan_id}").json()
        if status["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert status["status"] == "failed"
    assert status["error"] == "repo_not_found: Repository not found or not accessible"
    assert status["result"]["conclusion"] == "neutral"


def test_blocking_work_runs_on_the_configured_number_of_threads(make_client: MakeClient) -> None:
    client = make_client(request_threads=3)
    assert client.portal is not None
    tokens = client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 3
    assert client.get("/health").status_code == 200

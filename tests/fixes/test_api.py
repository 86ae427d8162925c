"""``POST /api/fix`` end to end: the app on SQLite and PostgreSQL, GitHub's stand-in,
and the pull request read back from the stand-in."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.clock import utcnow
from bastion.db.models.scans import ScanStatus
from bastion.db.session import write_session
from bastion.jobs.ratelimit import FIX_REQUESTS, RateLimiter, installation_key
from bastion.scans import repository
from bastion.scans.schemas import ScanTarget
from tests.fixes.support import Returning, maven_result, npm_result, unfixable_result
from tests.server.conftest import ACME, GLOBEX, MakeClient
from tests.server.test_api import assert_error
from tests.support.github_standin import WRITE_PERMISSIONS, GitHubStandin
from tests.support.paths import shared_dir

SCAN: dict[str, Any] = {"installation_id": ACME, "owner": "acme", "repo": "npm-app", "ref": "main"}
PACKAGE_JSON = (shared_dir() / "fixtures" / "npm-app" / "package.json").read_bytes()


@pytest.fixture
def writable(github: GitHubStandin) -> GitHubStandin:
    """acme's and globex's installations may push branches and open pull requests."""
    for installation in (ACME, GLOBEX):
        github.installations[installation].permissions = dict(WRITE_PERMISSIONS)
    return github


@pytest.fixture
def npm_client(make_client: MakeClient) -> TestClient:
    return make_client(executor=Returning(npm_result()))


def scan(client: TestClient, **overrides: Any) -> str:
    response = client.post("/api/scan", json={**SCAN, **overrides})
    assert response.status_code == 200, response.text
    return str(response.json()["scan_id"])


def fix(client: TestClient, scan_id: str, installation_id: int = ACME) -> Any:
    return client.post(
        "/api/fix", json={"installation_id": installation_id, "scan_report_id": scan_id}
    )


def head_sha(github: GitHubStandin, owner: str = "acme", repo: str = "npm-app") -> str:
    return github.repos[(owner, repo)].refs["heads/main"]


def test_a_fix_opens_a_pull_request_raising_the_vulnerable_versions(
    npm_client: TestClient, writable: GitHubStandin
) -> None:
    response = fix(npm_client, scan(npm_client))

    assert response.status_code == 200, response.text
    sha = head_sha(writable)
    assert response.json() == {
        "status": "success",
        "pull_request": {
            "number": 1,
            "url": "https://github.com/acme/npm-app/pull/1",
            "title": "bastion: fix 3 vulnerable dependencies",
            "fixes_count": 3,
        },
    }
    [pull] = writable.pull_requests("acme", "npm-app")
    assert (pull.head, pull.base) == (f"bastion/fix-{sha[:7]}-1", "main")
    # The commit sits on the scanned commit, whatever the branch did since.
    assert writable.git_commits[pull.head_sha][1] == [sha]

    before = writable.files_at("acme", "npm-app", sha)
    after = writable.files_at("acme", "npm-app", pull.head)
    assert {p for p in after if after[p] != before[p]} == {"package.json"}
    assert set(after) == set(before)
    manifest = json.loads(after["package.json"])
    assert manifest["dependencies"]["lodash"] == "4.17.21"  # the highest of its two fixes
    assert manifest["dependencies"]["cookie"] == "0.7.0"
    assert manifest["dependencies"]["ms"] == "2.0.0"  # no fixed release: untouched
    assert manifest["overrides"] == {"cookie@0.3.1": "0.7.0", "send@0.16.0": "0.19.0"}
    # Every other byte as it was: undo the three edits and the original file is back.
    undone = after["package.json"].decode()
    undone = undone.replace('"lodash": "4.17.21"', '"lodash": "4.17.15"')
    undone = undone.replace('"cookie": "0.7.0"', '"cookie": "0.4.0"')
    undone = re.sub(r',\n  "overrides": \{\n    [^}]*\n  \}', "", undone)
    assert undone.encode() == PACKAGE_JSON

    assert pull.body is not None
    assert "| lodash | `package.json` | `4.17.15` → `4.17.21` |" in pull.body
    assert "GHSA-35jh-r3h4-6jhm" in pull.body
    assert "GHSA-p6mc-m468-83gw" in pull.body
    assert "| cookie | `package.json` | `0.3.1` → `0.7.0` (new override `cookie@0.3.1`) |" in (
        pull.body
    )
    assert "- in `.`: `npm install`" in pull.body


def test_the_scanned_branch_is_the_base_and_a_tag_falls_back_to_the_default_branch(
    npm_client: TestClient, writable: GitHubStandin
) -> None:
    writable.repos[("acme", "npm-app")].refs["heads/release"] = head_sha(writable)
    assert fix(npm_client, scan(npm_client, ref="release")).status_code == 200
    assert fix(npm_client, scan(npm_client, ref="v1.0.0")).status_code == 200
    pulls = writable.pull_requests("acme", "npm-app")
    assert [p.base for p in pulls] == ["release", "main"]
    assert writable.calls_to(r"^/repos/acme/npm-app$"), "the tag needs the default branch"


def test_a_second_fix_of_the_same_commit_gets_its_own_branch(
    npm_client: TestClient, writable: GitHubStandin
) -> None:
    scan_id = scan(npm_client)
    assert fix(npm_client, scan_id).json()["pull_request"]["number"] == 1
    assert fix(npm_client, scan_id).json()["pull_request"]["number"] == 2
    sha = head_sha(writable)
    heads = [p.head for p in writable.pull_requests("acme", "npm-app")]
    assert heads == [f"bastion/fix-{sha[:7]}-1", f"bastion/fix-{sha[:7]}-2"]


def test_github_failing_mid_way_leaves_nothing_a_retry_trips_over(
    npm_client: TestClient, writable: GitHubStandin
) -> None:
    scan_id = scan(npm_client)
    sha = head_sha(writable)
    # The client tries twice (tests/server/conftest.py): both answers are lost. The first
    # created the branch (the stand-in does the work, then fails the answer).
    writable.fail(r"/git/refs$", 502, times=2)
    assert_error(fix(npm_client, scan_id), 502, "github_unavailable")
    assert writable.pull_requests("acme", "npm-app") == []

    retried = fix(npm_client, scan_id)
    assert retried.status_code == 200, retried.text
    [pull] = writable.pull_requests("acme", "npm-app")
    assert pull.head == f"bastion/fix-{sha[:7]}-2"
    manifest = json.loads(writable.files_at("acme", "npm-app", pull.head)["package.json"])
    assert manifest["overrides"] == {"cookie@0.3.1": "0.7.0", "send@0.16.0": "0.19.0"}


def test_a_branch_created_before_its_answer_was_lost_is_used(
    npm_client: TestClient, writable: GitHubStandin
) -> None:
    # The first answer is lost after GitHub made the branch; the client's retry then hears
    # "Reference already exists" for a branch on the very commit it wanted.
    writable.fail(r"/git/refs$", 502, times=1)
    response = fix(npm_client, scan(npm_client))
    assert response.status_code == 200, response.text
    [pull] = writable.pull_requests("acme", "npm-app")
    assert pull.head == f"bastion/fix-{head_sha(writable)[:7]}-1"


def test_an_outage_when_opening_the_pull_request_is_502_and_a_retry_opens_one(
    npm_client: TestClient, writable: GitHubStandin
) -> None:
    scan_id = scan(npm_client)
    writable.fail(r"/pulls$", 502, times=2)
    assert_error(fix(npm_client, scan_id), 502, "github_unavailable")
    # GitHub may have opened it before the answer was lost: the retry cannot know (the
    # API offers no search by branch), so it opens its own from a new branch.
    retried = fix(npm_client, scan_id)
    assert retried.status_code == 200, retried.text
    pulls = writable.pull_requests("acme", "npm-app")
    assert retried.json()["pull_request"]["number"] == pulls[-1].number
    assert pulls[-1].head.endswith("-2")


@pytest.mark.parametrize(
    "permissions",
    [
        {"contents": "read", "metadata": "read"},
        {"contents": "write", "metadata": "read", "pull_requests": "read"},
        {"contents": "read", "metadata": "read", "pull_requests": "write"},
    ],
)
def test_without_write_permissions_the_answer_is_403_and_nothing_is_written(
    npm_client: TestClient, github: GitHubStandin, permissions: dict[str, str]
) -> None:
    github.installations[ACME].permissions = permissions
    scan_id = scan(npm_client)
    assert_error(fix(npm_client, scan_id), 403, "no_write_access")
    assert not [c for c in github.calls if c.method == "POST" and "/repos/" in c.path]


def test_github_refusing_a_write_is_403(npm_client: TestClient, writable: GitHubStandin) -> None:
    scan_id = scan(npm_client)
    writable.fail(r"/git/blobs$", 403)
    assert_error(fix(npm_client, scan_id), 403, "no_write_access")


def test_a_commit_gone_from_github_is_404(npm_client: TestClient, writable: GitHubStandin) -> None:
    scan_id = scan(npm_client)
    writable.fail(r"/git/trees/", 404)
    assert_error(
        fix(npm_client, scan_id),
        404,
        "scan_not_found",
        "The scanned repository or commit is no longer accessible",
    )


def test_unknown_reports_and_other_installations_reports_are_404(
    npm_client: TestClient, writable: GitHubStandin
) -> None:
    scan_id = scan(npm_client)
    assert_error(fix(npm_client, str(uuid.uuid4())), 404, "scan_not_found", "Scan not found")
    assert_error(fix(npm_client, scan_id, installation_id=GLOBEX), 404, "scan_not_found")
    assert writable.pull_requests("acme", "npm-app") == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Missing required field: installation_id"),
        ({"installation_id": ACME}, "Missing required field: scan_report_id"),
        (
            {"installation_id": str(ACME), "scan_report_id": str(uuid.uuid4())},
            "Invalid type for field installation_id: expected an integer",
        ),
        (
            {"installation_id": ACME, "scan_report_id": 7},
            "Invalid type for field scan_report_id: expected a string",
        ),
        (
            {"installation_id": ACME, "scan_report_id": "latest"},
            "Invalid value for field scan_report_id: Value error, not a scan id (a UUID)",
        ),
        ([ACME], "Request body must be a JSON object"),
    ],
)
def test_invalid_requests_are_400(client: TestClient, body: Any, message: str) -> None:
    assert_error(client.post("/api/fix", json=body), 400, "invalid_request", message)


def test_a_body_that_is_not_json_is_400(client: TestClient) -> None:
    response = client.post("/api/fix", content=b"{", headers={"content-type": "application/json"})
    assert_error(response, 400, "invalid_request", "Request body is not valid JSON")


def test_a_token_is_required(make_client: MakeClient) -> None:
    anonymous = make_client(authenticated=False)
    assert_error(anonymous.post("/api/fix", json={}), 401, "unauthorized")


def test_ten_fix_requests_per_hour_and_installation(
    npm_client: TestClient, writable: GitHubStandin, engine: Engine
) -> None:
    acme_scan = scan(npm_client)
    globex_scan = scan(npm_client, installation_id=GLOBEX, owner="globex", repo="api")
    limiter = RateLimiter(engine)
    for _ in range(FIX_REQUESTS.limit - 1):
        assert limiter.hit(installation_key("fix", ACME), FIX_REQUESTS).allowed
    assert fix(npm_client, acme_scan).status_code == 200  # the tenth
    calls = len(writable.calls)
    refused = fix(npm_client, acme_scan)
    assert_error(refused, 429, "rate_limited")
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert len(writable.calls) == calls, "a refused request must not spend GitHub API calls"
    assert fix(npm_client, globex_scan, installation_id=GLOBEX).status_code == 200


def test_a_scan_still_running_is_409(make_client: MakeClient, engine: Engine) -> None:
    client = make_client(run_workers=False)
    target = ScanTarget(ACME, "acme", "npm-app", "main", "a" * 40)
    with write_session(engine) as session:
        scan_id = repository.create_report(session, target, utcnow()).id
    assert_error(fix(client, str(scan_id)), 409, "scan_not_finished")


def test_a_scan_that_failed_has_nothing_to_fix(make_client: MakeClient, engine: Engine) -> None:
    client = make_client(run_workers=False)
    target = ScanTarget(ACME, "acme", "npm-app", "main", "a" * 40)
    with write_session(engine) as session:
        scan_id = repository.create_report(session, target, utcnow()).id
        repository.end_incomplete(session, scan_id, ScanStatus.FAILED, "repo_not_found", utcnow())
    response = fix(client, str(scan_id))
    assert_error(
        response, 422, "nothing_to_fix", "The scan did not complete, so it found nothing to fix"
    )


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (unfixable_result, "The scan found no vulnerable dependency with a fixed release"),
        (maven_result, "No manifest bastion can edit declares the vulnerable packages"),
    ],
)
def test_nothing_to_fix_is_422(
    make_client: MakeClient, writable: GitHubStandin, result: Any, message: str
) -> None:
    client = make_client(executor=Returning(result()))
    response = fix(client, scan(client))
    assert_error(response, 422, "nothing_to_fix")
    assert response.json()["error"]["message"].startswith(message)
    assert writable.pull_requests("acme", "npm-app") == []


def test_a_manifest_that_cannot_be_changed_is_422_with_the_reason(
    npm_client: TestClient, writable: GitHubStandin
) -> None:
    scan_id = scan(npm_client)
    # The commit's package.json is gone (the scan saw only the lockfile).
    repo = writable.repos[("acme", "npm-app")]
    files = writable.files_at("acme", "npm-app", head_sha(writable))
    del files["package.json"]
    tree = writable._store_tree(
        {path: ("100644", writable._store_blob(data)) for path, data in files.items()}
    )
    writable._commit_trees[repo.refs["heads/main"]] = tree
    response = fix(npm_client, scan_id)
    assert_error(response, 422, "nothing_to_fix")
    assert "package.json is not in the commit" in response.json()["error"]["message"]


def test_openapi_documents_the_route(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/fix"]["post"]
    assert {"200", "400", "401", "403", "404", "409", "422", "429", "502"} <= set(
        operation["responses"]
    )
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["installation_id", "scan_report_id"]

"""POST /webhook on a running app (SQLite and PostgreSQL) with the GitHub stand-in: answers,
the scans and check runs they lead to, and every refusal in SPEC's error envelope."""

from __future__ import annotations

import json
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from bastion.db.models.scans import ScanReport
from bastion.db.session import read_session
from bastion.webhooks.config import WebhookConfig
from bastion.webhooks.signature import sign
from tests.server.conftest import ACME, GLOBEX
from tests.support.github_standin import APP_ID, GitHubStandin, StandinCheckRun
from tests.webhooks.conftest import MakeApp
from tests.webhooks.support import (
    SECRET,
    deliver,
    eventually,
    github_shape_problems,
    load_payload,
)

BASE_URL = "https://bastion.example.com"


def head(github: GitHubStandin, owner: str = "acme", repo: str = "npm-app") -> str:
    return github.repos[(owner, repo)].refs["heads/main"]


def on_repository(payload: dict[str, Any], installation: int, owner: str, repo: str) -> None:
    payload["installation"]["id"] = installation
    payload["repository"]["name"] = repo
    payload["repository"]["full_name"] = f"{owner}/{repo}"
    payload["repository"]["owner"]["login"] = owner
    payload["repository"]["default_branch"] = "main"


def pull_request(
    github: GitHubStandin,
    action: str = "opened",
    *,
    installation: int = ACME,
    owner: str = "acme",
    repo: str = "npm-app",
) -> dict[str, Any]:
    payload = load_payload(f"pull_request.{action}")
    on_repository(payload, installation, owner, repo)
    if "after" in payload:
        payload["after"] = head(github, owner, repo)
    payload["number"] = payload["pull_request"]["number"] = 7
    payload["pull_request"]["head"].update(sha=head(github, owner, repo), ref="feature")
    assert github_shape_problems("pull_request", payload) == []
    return payload


def check_suite(github: GitHubStandin, action: str = "requested") -> dict[str, Any]:
    payload = load_payload("check_suite.requested")
    payload["action"] = action
    on_repository(payload, ACME, "acme", "npm-app")
    payload["check_suite"].update(head_sha=head(github), head_branch="feature")
    payload["check_suite"]["app"]["id"] = APP_ID
    return payload


def check_run_rerequested(github: GitHubStandin) -> dict[str, Any]:
    payload = load_payload("check_run.rerequested")
    on_repository(payload, ACME, "acme", "npm-app")
    run = payload["check_run"]
    run.update(name="bastion", head_sha=head(github))
    run["app"]["id"] = APP_ID
    run["check_suite"]["head_branch"] = "feature"
    assert github_shape_problems("check_run", payload) == []
    return payload


def reports(engine: Engine) -> list[ScanReport]:
    with read_session(engine) as session:
        return list(session.scalars(select(ScanReport).order_by(ScanReport.created_at)))


def completed_runs(github: GitHubStandin, sha: str, count: int = 1) -> list[StandinCheckRun]:
    def probe() -> list[StandinCheckRun] | None:
        runs = github.check_runs_on(sha)
        done = len(runs) == count and all(run.status == "completed" for run in runs)
        return runs if done else None

    return eventually(probe)


def assert_error(
    response: httpx.Response, status: int, code: str, message: str | None = None
) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "error"}
    assert body["status"] == "error"
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    if message is not None:
        assert body["error"]["message"] == message


def test_a_pull_request_gets_a_scan_and_a_completed_check_run(
    make_app: MakeApp, github: GitHubStandin, engine: Engine
) -> None:
    client = make_app(scan_base_url=BASE_URL)
    response = deliver(client, "pull_request", pull_request(github))
    assert response.status_code == 202, response.text
    assert response.json() == {"status": "accepted"}

    [run] = completed_runs(github, head(github))
    [report] = reports(engine)
    assert (report.owner, report.repo, report.ref, report.pr_number) == (
        "acme",
        "npm-app",
        "feature",
        7,
    )
    assert report.head_sha == head(github)
    assert run.name == "bastion"
    assert run.conclusion == "failure"  # the instant executor's result blocks
    assert run.external_id == str(report.id)
    assert run.details_url == f"{BASE_URL}/api/scan/{report.id}"
    assert "### Recommended actions" in run.output["summary"]


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=" + "0" * 64,
        "sha1=" + "0" * 40,
        sign(b"another secret", b"{}"),
        "sha256=not-hex",
    ],
    ids=["missing", "empty", "wrong", "sha1", "other-secret", "malformed"],
)
def test_bad_signatures_are_401_and_nothing_happens(
    make_app: MakeApp, github: GitHubStandin, engine: Engine, signature: str | None
) -> None:
    client = make_app()
    body = json.dumps(pull_request(github)).encode()
    headers = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-1"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    response = client.post("/webhook", content=body, headers=headers)
    assert_error(response, 401, "invalid_signature", "Invalid or missing X-Hub-Signature-256")
    assert reports(engine) == []


def test_a_tampered_body_is_401(make_app: MakeApp, github: GitHubStandin) -> None:
    client = make_app()
    payload = pull_request(github)
    signature = sign(SECRET.encode(), json.dumps(payload).encode())
    payload["pull_request"]["number"] = 8
    response = deliver(client, "pull_request", payload, signature=signature)
    assert_error(response, 401, "invalid_signature")


def test_the_body_is_not_read_before_the_signature_is_checked(make_app: MakeApp) -> None:
    client = make_app()
    response = deliver(client, "pull_request", b"{not json", signature="sha256=" + "0" * 64)
    assert_error(response, 401, "invalid_signature")


def test_without_a_webhook_secret_nothing_is_accepted(
    make_app: MakeApp, github: GitHubStandin
) -> None:
    client = make_app(secret=None)
    assert_error(deliver(client, "pull_request", pull_request(github)), 401, "invalid_signature")


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (b"{not json", {}, "Request body is not valid JSON"),
        (b"[1, 2]", {}, "Request body must be a JSON object"),
        (b"{}", {"X-GitHub-Event": ""}, "Missing X-GitHub-Event header"),
        (b"{}", {"X-GitHub-Delivery": ""}, "Missing or invalid X-GitHub-Delivery header"),
        (
            b"payload=%7B%7D",
            {"Content-Type": "application/x-www-form-urlencoded"},
            "Set the webhook's content type to application/json",
        ),
    ],
    ids=["bad-json", "not-an-object", "no-event", "no-delivery", "form-encoded"],
)
def test_signed_deliveries_github_would_not_send_are_400(
    make_app: MakeApp, body: bytes, headers: dict[str, str], message: str
) -> None:
    client = make_app()
    response = deliver(client, "pull_request", body, headers=headers)
    assert_error(response, 400, "invalid_request", message)


def test_a_handled_event_missing_what_github_always_sends_is_400(
    make_app: MakeApp, github: GitHubStandin, engine: Engine
) -> None:
    client = make_app()
    payload = pull_request(github)
    del payload["pull_request"]["head"]["sha"]
    response = deliver(client, "pull_request", payload)
    assert_error(
        response,
        400,
        "invalid_request",
        "Invalid pull_request payload: Missing required field: pull_request.head.sha",
    )
    assert reports(engine) == []


def test_bodies_over_the_limit_are_413(make_app: MakeApp) -> None:
    client = make_app()
    cast(FastAPI, client.app).state.webhooks = WebhookConfig(SECRET.encode(), max_body_bytes=1024)
    declared = deliver(client, "ping", b" " * 2048)
    assert_error(declared, 413, "payload_too_large")
    # Without a Content-Length (chunked), the cap holds while reading.
    streamed = client.post(
        "/webhook",
        content=iter([b" " * 700, b" " * 700]),
        headers={"X-GitHub-Event": "ping", "X-Hub-Signature-256": "sha256=" + "0" * 64},
    )
    assert_error(streamed, 413, "payload_too_large")
    assert deliver(client, "ping", {"zen": "Keep it logically awesome."}).status_code == 200


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("ping", load_payload("ping")),
        ("issues", {"action": "opened", "issue": {"number": 1}}),
        ("pull_request", load_payload("pull_request.closed")),
        ("check_run", load_payload("check_run.requested_action")),
        ("installation", load_payload("installation.created")),
    ],
    ids=["ping", "issues", "pull-request-closed", "requested-action", "installation-created"],
)
def test_events_bastion_does_not_act_on_are_ignored(
    make_app: MakeApp, engine: Engine, event: str, payload: dict[str, Any]
) -> None:
    client = make_app()
    response = deliver(client, event, payload)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ignored"}
    assert reports(engine) == []


def test_a_redelivery_changes_nothing_even_after_its_scan_ended(
    make_app: MakeApp, github: GitHubStandin, engine: Engine
) -> None:
    client = make_app()
    assert deliver(client, "pull_request", pull_request(github), delivery="d-1").status_code == 202
    completed_runs(github, head(github))
    again = deliver(client, "pull_request", pull_request(github), delivery="d-1")
    assert again.status_code == 202
    assert len(reports(engine)) == 1
    assert len(github.check_runs_on(head(github))) == 1


def test_the_events_of_one_push_share_one_scan_and_check_run(
    make_app: MakeApp, github: GitHubStandin, engine: Engine
) -> None:
    client = make_app()
    assert deliver(client, "pull_request", pull_request(github, "synchronize")).status_code == 202
    assert deliver(client, "check_suite", check_suite(github)).status_code == 202
    completed_runs(github, head(github))
    assert len(reports(engine)) == 1


def test_re_running_the_check_scans_again_with_a_new_check_run(
    make_app: MakeApp, github: GitHubStandin, engine: Engine
) -> None:
    client = make_app()
    deliver(client, "pull_request", pull_request(github))
    completed_runs(github, head(github))
    assert deliver(client, "check_run", check_run_rerequested(github)).status_code == 202
    runs = completed_runs(github, head(github), count=2)
    first, second = reports(engine)
    assert [run.external_id for run in runs] == [str(first.id), str(second.id)]
    # The same for a whole suite re-run.
    assert deliver(client, "check_suite", check_suite(github, "rerequested")).status_code == 202
    completed_runs(github, head(github), count=3)


def test_a_push_to_the_default_branch_is_scanned(
    make_app: MakeApp, github: GitHubStandin, engine: Engine
) -> None:
    client = make_app()
    payload = load_payload("push")
    on_repository(payload, ACME, "acme", "python-app")
    sha = head(github, "acme", "python-app")
    payload.update(ref="refs/heads/main", after=sha, deleted=False)
    assert deliver(client, "push", payload).status_code == 202
    [run] = completed_runs(github, sha)
    [report] = reports(engine)
    assert (report.ref, report.head_sha, report.pr_number) == ("main", sha, None)
    assert run.conclusion == "failure"
    # A deleted branch has nothing to scan.
    payload.update(after="0" * 40, deleted=True)
    assert deliver(client, "push", payload).json() == {"status": "ignored"}


def test_webhook_scans_do_not_spend_the_api_budget(
    make_app: MakeApp, github: GitHubStandin, engine: Engine
) -> None:
    client = make_app(scan_requests_per_hour=1, run_workers=False)
    for installation, owner, repo in (
        (ACME, "acme", "npm-app"),
        (ACME, "acme", "python-app"),
        (GLOBEX, "globex", "api"),
    ):
        payload = pull_request(github, installation=installation, owner=owner, repo=repo)
        assert deliver(client, "pull_request", payload).status_code == 202
    assert len(reports(engine)) == 3


def test_uninstalling_or_removing_repositories_forgets_access(
    make_app: MakeApp, github: GitHubStandin
) -> None:
    client = make_app(run_workers=False)
    access = cast(FastAPI, client.app).state.bastion.repo_access
    for repo in ("npm-app", "python-app"):
        access.check_installation(ACME, "acme", repo)
    assert access.entries() == 2

    removed = load_payload("installation_repositories.added")
    removed.update(action="removed", installation={"id": ACME}, repositories_added=[])
    removed["repositories_removed"] = [{"id": 1, "name": "npm-app", "full_name": "acme/npm-app"}]
    response = deliver(client, "installation_repositories", removed)
    assert response.status_code == 202
    assert response.json() == {"status": "accepted"}
    assert access.entries() == 1

    deleted = load_payload("installation.deleted")
    deleted["installation"]["id"] = ACME
    assert deliver(client, "installation", deleted).status_code == 202
    assert access.entries() == 0


def test_the_route_is_in_the_openapi_description(make_app: MakeApp) -> None:
    client: TestClient = make_app(run_workers=False)
    operation = client.get("/openapi.json").json()["paths"]["/webhook"]["post"]
    assert {"200", "202", "400", "401", "413"} <= set(operation["responses"])
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names >= {"X-Hub-Signature-256", "X-GitHub-Event", "X-GitHub-Delivery"}

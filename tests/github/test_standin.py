"""The stand-in itself: it answers like GitHub, and its OpenAPI check really bites."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bastion.github.client import GitHubClient
from tests.github.conftest import ACME
from tests.support.github_standin import (
    GitHubStandin,
    Reply,
    build_github_tarball,
    openapi_violations,
)
from tests.support.paths import shared_dir

UA = {"User-Agent": "standin-test"}


@pytest.fixture
def http(github: GitHubStandin) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=github.url, headers=UA) as client:
        yield client


def test_an_invalid_request_is_a_violation(
    client: GitHubClient, github: GitHubStandin, http: httpx.Client
) -> None:
    with github.expecting_violations() as found:
        http.post(
            f"/app/installations/{ACME}/access_tokens",
            json={"repositories": "not-a-list"},
            headers={"Authorization": f"Bearer {client.auth.jwt()}"},
        )
    assert len(found) == 1
    assert "invalid request" in found[0]
    assert "is not of type 'array'" in found[0]


def test_a_route_github_does_not_have_is_a_violation(
    github: GitHubStandin, http: httpx.Client
) -> None:
    with github.expecting_violations() as found:
        assert http.get("/repos/acme/npm-app/secrets").status_code == 404
    assert any("Path not found" in v for v in found)


def test_an_answer_github_would_not_give_is_a_violation() -> None:
    token_without_expiry = Reply(201, json.dumps({"token": "x"}).encode(), {}, "application/json")
    problems = openapi_violations(
        "POST",
        "/app/installations/1/access_tokens",
        query={},
        request_headers={},
        request_body=b"",
        reply=token_without_expiry,
    )
    assert len(problems) == 1
    assert "'expires_at' is a required property" in problems[0]
    undeclared_status = Reply(418, b"{}", {}, "application/json")
    assert openapi_violations(
        "GET",
        "/repos/o/r/installation",
        query={},
        request_headers={},
        request_body=b"",
        reply=undeclared_status,
    )


def test_commit_json_answer_is_valid(
    client: GitHubClient, github: GitHubStandin, http: httpx.Client
) -> None:
    token = client.installation_token(ACME).token
    answer = http.get(
        "/repos/acme/npm-app/commits/heads/main", headers={"Authorization": f"token {token}"}
    )
    assert answer.status_code == 200
    assert answer.json()["sha"] == github.repos[("acme", "npm-app")].refs["heads/main"]


def test_credentials_are_checked_per_route(
    client: GitHubClient, github: GitHubStandin, http: httpx.Client
) -> None:
    token = client.installation_token(ACME).token
    as_token = {"Authorization": f"token {token}"}
    as_app = {"Authorization": f"Bearer {client.auth.jwt()}"}
    assert http.get("/repos/acme/npm-app/installation", headers=as_token).status_code == 401
    assert http.get("/repos/acme/npm-app/commits/main", headers=as_app).status_code == 401
    assert http.get("/repos/acme/npm-app/commits/main").status_code == 404
    assert http.get("/repos/acme/npm-app/commits/main", headers=as_token).status_code == 200
    with httpx.Client(base_url=github.url) as bare:
        del bare.headers["user-agent"]
        no_agent = bare.get("/repos/acme/npm-app/commits/main", headers=as_token)
    assert no_agent.status_code == 403
    assert "User-Agent" in no_agent.json()["message"]


def test_errors_look_like_githubs(github: GitHubStandin, http: httpx.Client) -> None:
    answer = http.get("/repos/acme/npm-app/commits/main")
    assert answer.json() == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest",
        "status": "404",
    }
    assert answer.headers["x-ratelimit-limit"] == "5000"


def test_tarball_is_shaped_like_githubs(tmp_path: Path) -> None:
    source = shared_dir() / "fixtures" / "rust-app"
    sha = "a" * 40
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(build_github_tarball(source, "acme-rust-app-aaaaaaa", sha))
    with tarfile.open(archive) as tar:
        assert tar.pax_headers["comment"] == sha
        names = tar.getnames()
    assert names[0] == "acme-rust-app-aaaaaaa"
    assert "acme-rust-app-aaaaaaa/Cargo.lock" in names
    assert all(n.startswith("acme-rust-app-aaaaaaa") for n in names)

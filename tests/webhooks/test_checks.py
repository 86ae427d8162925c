"""The Checks API calls against the GitHub stand-in (shapes checked against GitHub's
OpenAPI description on every request and answer)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.github.checks import (
    CHECK_RUN_NAME,
    MAX_OUTPUT_CHARS,
    CheckRunOutput,
    CheckRunRefused,
    CheckRuns,
    CheckRunUpdate,
    parse_check_run,
)
from bastion.github.client import GitHubClient
from bastion.github.errors import GitHubUnavailable, InvalidInstallation
from tests.server.conftest import ACME, GLOBEX
from tests.support.github_standin import APP_ID, GitHubStandin

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
QUEUED = CheckRunUpdate("queued", output=CheckRunOutput("Scan queued", "Waiting."))
DONE = CheckRunUpdate(
    "completed",
    started_at=NOW,
    conclusion="failure",
    completed_at=NOW,
    output=CheckRunOutput("Found 1 vulnerability", "| a | b |"),
)


@pytest.fixture
def checks(github_client: GitHubClient) -> CheckRuns:
    return CheckRuns(github_client)


def head(github: GitHubStandin, repo: str = "npm-app") -> str:
    return github.repos[("acme", repo)].refs["heads/main"]


def test_create_update_and_find(checks: CheckRuns, github: GitHubStandin) -> None:
    sha = head(github)
    created = checks.create(
        ACME,
        "acme",
        "npm-app",
        head_sha=sha,
        update=QUEUED,
        external_id="scan-1",
        details_url="https://bastion.example.com/api/scan/scan-1",
    )
    assert (created.name, created.status, created.conclusion) == (CHECK_RUN_NAME, "queued", None)
    updated = checks.update(ACME, "acme", "npm-app", created.id, DONE)
    assert (updated.id, updated.status, updated.conclusion) == (created.id, "completed", "failure")

    [stored] = github.check_runs_on(sha)
    assert stored.name == "bastion"
    assert stored.external_id == "scan-1"
    assert stored.details_url == "https://bastion.example.com/api/scan/scan-1"
    assert stored.output == {"title": "Found 1 vulnerability", "summary": "| a | b |"}
    assert stored.requests[1]["completed_at"] == "2026-03-01T12:00:00Z"

    found = checks.find_ours(ACME, "acme", "npm-app", sha, external_id="scan-1", app_id=APP_ID)
    assert [run.id for run in found] == [created.id]
    assert checks.find_ours(ACME, "acme", "npm-app", sha, external_id="other", app_id=APP_ID) == []
    assert checks.find_ours(ACME, "acme", "npm-app", sha, external_id="scan-1", app_id=1) == []


def test_a_completed_run_can_be_created_at_once(checks: CheckRuns, github: GitHubStandin) -> None:
    sha = head(github, "python-app")
    run = checks.create(ACME, "acme", "python-app", head_sha=sha, update=DONE, external_id="x")
    assert run.status == "completed"
    assert github.check_runs_on(sha)[0].completed_at == "2026-03-01T12:00:00Z"


def test_refusals_no_retry_can_fix(checks: CheckRuns, github: GitHubStandin) -> None:
    sha = head(github)
    # globex/billing is not in the installation's selection: GitHub answers 404.
    with pytest.raises(CheckRunRefused):
        checks.create(GLOBEX, "globex", "billing", head_sha=sha, update=QUEUED, external_id="x")
    with pytest.raises(CheckRunRefused):
        checks.update(ACME, "acme", "npm-app", 999_999_999, DONE)
    with pytest.raises(InvalidInstallation):
        checks.create(4040, "acme", "npm-app", head_sha=sha, update=QUEUED, external_id="x")


def test_outages_are_unavailable_after_the_clients_retries(
    checks: CheckRuns, github: GitHubStandin
) -> None:
    github.fail(r"/check-runs", 502, times=2)
    with pytest.raises(GitHubUnavailable):
        checks.create(
            ACME, "acme", "npm-app", head_sha=head(github), update=QUEUED, external_id="x"
        )
    assert len(github.calls_to(r"/check-runs$")) == 2


def test_updates_github_would_refuse_are_not_built() -> None:
    with pytest.raises(ValueError, match="conclusion"):
        CheckRunUpdate("completed")
    with pytest.raises(ValueError, match="conclusion"):
        CheckRunUpdate("in_progress", conclusion="success")
    too_long = CheckRunUpdate(
        "completed", conclusion="neutral", output=CheckRunOutput("t", "x" * (MAX_OUTPUT_CHARS + 1))
    )
    with pytest.raises(ValueError, match="65535"):
        too_long.body()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)
fields = st.sampled_from(
    ["id", "name", "head_sha", "status", "conclusion", "external_id", "app", "output"]
)


@given(raw=st.dictionaries(fields | st.text(max_size=8), json_values, max_size=8))
def test_any_answer_parses_to_a_check_run_or_none(raw: dict[str, Any]) -> None:
    run = parse_check_run(raw)
    if run is not None:
        assert (run.id, run.name, run.head_sha) == (raw["id"], raw["name"], raw["head_sha"])
        assert run.app_id is None or isinstance(run.app_id, int)


def test_githubs_own_check_run_example_parses(shared: Path) -> None:
    spec = json.loads((shared / "github" / "openapi-subset.json").read_text())
    example = spec["components"]["examples"]["check-run-example-of-completed-conclusion"]["value"]
    run = parse_check_run(example)
    assert run is not None
    assert (run.id, run.status, run.conclusion) == (example["id"], "completed", "neutral")
    assert run.app_id == example["app"]["id"]

"""The Checks API calls behind the ``bastion`` check run (SPEC §2): create, update, find.

Requests go through :class:`~bastion.github.client.GitHubClient`, so they share its
installation tokens, retries, rate-limit handling and call counter. Answers GitHub will
never accept however often they are retried (the App lost access to the repository, has
no ``checks: write`` permission, or the commit is unknown) raise
:class:`CheckRunRefused`; outages raise :class:`~bastion.github.errors.GitHubUnavailable`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote, urlencode

import httpx

from bastion.github.client import GitHubClient, _message
from bastion.github.errors import GitHubError, GitHubUnavailable

log = logging.getLogger(__name__)

CHECK_RUN_NAME = "bastion"
# GitHub's limit on ``output.summary`` and ``output.text``, in characters.
MAX_OUTPUT_CHARS = 65535
# Check runs of one commit looked at when searching for ours (one page).
FIND_PAGE_SIZE = 100

CheckStatus = Literal["queued", "in_progress", "completed"]
CheckConclusion = Literal["success", "failure", "neutral"]


class CheckRunRefused(GitHubError):
    """GitHub refused the check run for good; retrying cannot help."""

    code = "check_run_refused"
    status_code = 502
    default_message = "GitHub refused the check run"


@dataclass(frozen=True, slots=True)
class CheckRunOutput:
    title: str
    summary: str


@dataclass(frozen=True, slots=True)
class CheckRunUpdate:
    """What the check run should show; ``conclusion`` and ``completed_at`` only once
    ``status`` is ``completed``."""

    status: CheckStatus
    started_at: datetime | None = None
    conclusion: CheckConclusion | None = None
    completed_at: datetime | None = None
    output: CheckRunOutput | None = None

    def __post_init__(self) -> None:
        if (self.status == "completed") != (self.conclusion is not None):
            raise ValueError("a conclusion goes with status 'completed', and only with it")

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status}
        if self.started_at is not None:
            body["started_at"] = _timestamp(self.started_at)
        if self.conclusion is not None:
            body["conclusion"] = self.conclusion
        if self.completed_at is not None:
            body["completed_at"] = _timestamp(self.completed_at)
        if self.output is not None:
            if len(self.output.summary) > MAX_OUTPUT_CHARS:
                raise ValueError(f"check run summary over {MAX_OUTPUT_CHARS} characters")
            body["output"] = {"title": self.output.title, "summary": self.output.summary}
        return body


@dataclass(frozen=True, slots=True)
class CheckRun:
    """A check run as GitHub answered it."""

    id: int
    name: str
    head_sha: str
    status: str
    conclusion: str | None
    external_id: str | None
    app_id: int | None


class CheckRuns:
    def __init__(self, github: GitHubClient) -> None:
        self.github = github

    def create(
        self,
        installation_id: int,
        owner: str,
        repo: str,
        *,
        head_sha: str,
        update: CheckRunUpdate,
        external_id: str,
        details_url: str | None = None,
    ) -> CheckRun:
        body: dict[str, Any] = {
            "name": CHECK_RUN_NAME,
            "head_sha": head_sha,
            "external_id": external_id,
            **update.body(),
        }
        if details_url:
            body["details_url"] = details_url
        return self._send(
            installation_id,
            "create_check_run",
            "POST",
            f"repos/{_path(owner)}/{_path(repo)}/check-runs",
            body,
            expected=201,
        )

    def update(
        self,
        installation_id: int,
        owner: str,
        repo: str,
        check_run_id: int,
        update: CheckRunUpdate,
    ) -> CheckRun:
        return self._send(
            installation_id,
            "update_check_run",
            "PATCH",
            f"repos/{_path(owner)}/{_path(repo)}/check-runs/{check_run_id}",
            update.body(),
            expected=200,
        )

    def find_ours(
        self,
        installation_id: int,
        owner: str,
        repo: str,
        head_sha: str,
        *,
        external_id: str,
        app_id: int,
    ) -> list[CheckRun]:
        """This App's ``bastion`` check runs for ``external_id`` on the commit, oldest
        first: more than one when a create was answered with an error after GitHub had
        done it, and retried."""
        query = urlencode(
            {
                "check_name": CHECK_RUN_NAME,
                "app_id": app_id,
                "filter": "all",
                "per_page": FIND_PAGE_SIZE,
            }
        )
        path = f"repos/{_path(owner)}/{_path(repo)}/commits/{_path(head_sha)}/check-runs?{query}"
        with self.github._installation_request(
            installation_id, "list_check_runs", "GET", path, stream=False
        ) as response:
            body = _answer("list_check_runs", response, expected=200)
        runs = body.get("check_runs")
        if not isinstance(runs, list):
            raise GitHubUnavailable(detail="list_check_runs: answer without check_runs")
        found = [parse_check_run(raw) for raw in runs if isinstance(raw, dict)]
        # Filtered here too: the query parameters are a request, not a guarantee.
        return sorted(
            (
                run
                for run in found
                if run is not None
                and run.name == CHECK_RUN_NAME
                and run.app_id in (None, app_id)
                and run.external_id == external_id
            ),
            key=lambda run: run.id,
        )

    def _send(
        self,
        installation_id: int,
        operation: str,
        method: str,
        path: str,
        body: dict[str, Any],
        *,
        expected: int,
    ) -> CheckRun:
        with self.github._installation_request(
            installation_id, operation, method, path, stream=False, json=body
        ) as response:
            answer = _answer(operation, response, expected=expected)
        run = parse_check_run(answer)
        if run is None:
            raise GitHubUnavailable(detail=f"{operation}: answer is not a check run")
        return run


def _answer(operation: str, response: httpx.Response, *, expected: int) -> dict[str, Any]:
    if response.status_code == expected:
        try:
            body = response.json()
        except ValueError as exc:
            raise GitHubUnavailable(detail=f"{operation}: answer is not JSON") from exc
        if not isinstance(body, dict):
            raise GitHubUnavailable(detail=f"{operation}: answer is not a JSON object")
        return body
    message = _message(response)
    # 403 "Resource not accessible by integration": no checks permission; 404: the App
    # lost the repository or the check run; 422: GitHub will not take this body (an
    # unknown commit). Rate limits never get here: the client waits or raises for them.
    if response.status_code in (403, 404, 410, 422):
        raise CheckRunRefused(detail=f"{operation}: HTTP {response.status_code}: {message}")
    raise GitHubUnavailable(
        detail=f"{operation}: unexpected HTTP {response.status_code}: {message}"
    )


def parse_check_run(raw: dict[str, Any]) -> CheckRun | None:
    """A check run from GitHub's JSON; None when the fields bastion needs are missing."""
    run_id, name, sha, status = (raw.get(k) for k in ("id", "name", "head_sha", "status"))
    if not (isinstance(run_id, int) and isinstance(name, str) and isinstance(sha, str)):
        return None
    app = raw.get("app")
    app_id = app.get("id") if isinstance(app, dict) else None
    conclusion, external_id = raw.get("conclusion"), raw.get("external_id")
    return CheckRun(
        id=run_id,
        name=name,
        head_sha=sha,
        status=str(status),
        conclusion=conclusion if isinstance(conclusion, str) else None,
        external_id=external_id if isinstance(external_id, str) else None,
        app_id=app_id if isinstance(app_id, int) else None,
    )


def _path(segment: str) -> str:
    # Owner, repository and sha come from signed webhooks, but a path segment is never
    # trusted to stay one.
    return quote(segment, safe="")


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

"""What a webhook delivery asks of bastion, decided from its event, action and payload.

:func:`react` is pure: it reads a parsed payload and returns a reaction, so every rule
below is testable without a server. The rules:

* ``pull_request`` ``opened`` / ``synchronize`` / ``reopened``: scan the head commit
  (ref: the head branch, with the pull request's number) on the base repository, which
  also holds the commits of pull requests from forks.
* ``check_suite`` ``requested`` / ``rerequested`` (this App's suites) and ``check_run``
  ``rerequested`` (the ``bastion`` check run): scan the suite's head commit; a
  rerequest always scans again.
* ``push`` to the repository's default branch: scan the pushed commit; a deleted branch
  (``after`` all zeros) has nothing to scan.
* ``installation`` ``deleted`` / ``suspend`` and ``installation_repositories``
  ``removed``: forget what the server remembers about that access.
* Anything else, ``ping`` included, and deliveries not made to a GitHub App (no
  ``installation``): ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bastion.github.checks import CHECK_RUN_NAME
from bastion.scans.schemas import ScanTarget, describe_validation_error
from bastion.webhooks.errors import InvalidWebhook
from bastion.webhooks.payloads import (
    CheckRunEvent,
    CheckSuiteEvent,
    Installation,
    InstallationEvent,
    InstallationRepositoriesEvent,
    LinkedPullRequest,
    PullRequestEvent,
    PushEvent,
    Repository,
)

# Events the App subscribes to (its manifest) plus those GitHub sends every App.
SCAN_EVENTS = frozenset({"pull_request", "check_suite", "check_run", "push"})
ACCESS_EVENTS = frozenset({"installation", "installation_repositories"})

PULL_REQUEST_ACTIONS = frozenset({"opened", "synchronize", "reopened"})
CHECK_SUITE_ACTIONS = frozenset({"requested", "rerequested"})
UNINSTALL_ACTIONS = frozenset({"deleted", "suspend"})
_DELETED = "0" * 40


@dataclass(frozen=True, slots=True)
class ScanCommit:
    target: ScanTarget
    # Asked for by a person ("Re-run" on GitHub): scan again even if the commit was
    # scanned a moment ago.
    rerequested: bool


@dataclass(frozen=True, slots=True)
class ForgetInstallation:
    installation_id: int


@dataclass(frozen=True, slots=True)
class ForgetRepositories:
    installation_id: int
    repositories: tuple[tuple[str, str], ...]  # (owner, name)


@dataclass(frozen=True, slots=True)
class Ignore:
    reason: str


Reaction = ScanCommit | ForgetInstallation | ForgetRepositories | Ignore

M = TypeVar("M", bound=BaseModel)


def react(event: str, payload: Mapping[str, Any], *, app_id: int) -> Reaction:
    """The reaction to a delivery of ``event``; raises :class:`InvalidWebhook` when a
    delivery bastion acts on lacks what GitHub always sends."""
    match event:
        case "pull_request":
            return _pull_request(payload)
        case "check_suite":
            return _check_suite(payload, app_id)
        case "check_run":
            return _check_run(payload, app_id)
        case "push":
            return _push(payload)
        case "installation":
            return _installation(payload)
        case "installation_repositories":
            return _installation_repositories(payload)
        case "ping":
            return Ignore("ping")
        case _:
            return Ignore(f"{event} events are not handled")


def _pull_request(payload: Mapping[str, Any]) -> Reaction:
    action = _action("pull_request", payload)
    if action not in PULL_REQUEST_ACTIONS:
        return Ignore(f"pull_request {action}")
    parsed = _parse(PullRequestEvent, "pull_request", payload)
    if parsed.installation is None:
        return _not_an_app_delivery()
    head = parsed.pull_request.head
    target = _target(
        parsed.installation, parsed.repository, head.ref, head.sha, parsed.pull_request.number
    )
    return ScanCommit(target, rerequested=False)


def _check_suite(payload: Mapping[str, Any], app_id: int) -> Reaction:
    action = _action("check_suite", payload)
    if action not in CHECK_SUITE_ACTIONS:
        return Ignore(f"check_suite {action}")
    parsed = _parse(CheckSuiteEvent, "check_suite", payload)
    suite = parsed.check_suite
    if parsed.installation is None:
        return _not_an_app_delivery()
    if suite.app is not None and suite.app.id != app_id:
        return Ignore("another App's check suite")
    target = _target(
        parsed.installation,
        parsed.repository,
        suite.head_branch or suite.head_sha,
        suite.head_sha,
        _first_number(suite.pull_requests),
    )
    return ScanCommit(target, rerequested=action == "rerequested")


def _check_run(payload: Mapping[str, Any], app_id: int) -> Reaction:
    action = _action("check_run", payload)
    if action != "rerequested":
        return Ignore(f"check_run {action}")
    parsed = _parse(CheckRunEvent, "check_run", payload)
    run = parsed.check_run
    if parsed.installation is None:
        return _not_an_app_delivery()
    if run.name != CHECK_RUN_NAME or (run.app is not None and run.app.id != app_id):
        return Ignore(f"check run {run.name!r} is not bastion's")
    branch = run.check_suite.head_branch if run.check_suite is not None else None
    target = _target(
        parsed.installation,
        parsed.repository,
        branch or run.head_sha,
        run.head_sha,
        _first_number(run.pull_requests),
    )
    return ScanCommit(target, rerequested=True)


def _push(payload: Mapping[str, Any]) -> Reaction:
    parsed = _parse(PushEvent, "push", payload)
    if parsed.installation is None:
        return _not_an_app_delivery()
    if parsed.deleted or parsed.after == _DELETED:
        return Ignore("push deleted a ref")
    branch = parsed.repository.default_branch
    if branch is None or parsed.ref != f"refs/heads/{branch}":
        return Ignore("push to another ref than the default branch")
    target = _target(parsed.installation, parsed.repository, branch, parsed.after, None)
    return ScanCommit(target, rerequested=False)


def _installation(payload: Mapping[str, Any]) -> Reaction:
    action = _action("installation", payload)
    if action not in UNINSTALL_ACTIONS:
        return Ignore(f"installation {action}")
    parsed = _parse(InstallationEvent, "installation", payload)
    return ForgetInstallation(parsed.installation.id)


def _installation_repositories(payload: Mapping[str, Any]) -> Reaction:
    action = _action("installation_repositories", payload)
    if action != "removed":
        return Ignore(f"installation_repositories {action}")
    parsed = _parse(InstallationRepositoriesEvent, "installation_repositories", payload)
    removed = tuple(repository.owner_and_name for repository in parsed.repositories_removed)
    if not removed:
        return Ignore("installation_repositories removed nothing")
    return ForgetRepositories(parsed.installation.id, removed)


def _target(
    installation: Installation, repository: Repository, ref: str, sha: str, pr: int | None
) -> ScanTarget:
    return ScanTarget(
        installation.id, repository.owner.login, repository.name, ref, sha, pr
    ).normalised()


def _first_number(pull_requests: list[LinkedPullRequest]) -> int | None:
    return pull_requests[0].number if pull_requests else None


def _not_an_app_delivery() -> Ignore:
    # A repository or organisation webhook sharing the secret: no installation to act as.
    return Ignore("not a GitHub App delivery (no installation)")


def _action(event: str, payload: Mapping[str, Any]) -> str:
    action = payload.get("action")
    if not isinstance(action, str):
        raise InvalidWebhook(f"Invalid {event} payload: Missing required field: action")
    return action


def _parse(model: type[M], event: str, payload: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise InvalidWebhook(f"Invalid {event} payload: {describe_validation_error(exc)}") from None

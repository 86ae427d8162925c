"""The parts of GitHub's webhook payloads bastion reads, validated before anything acts.

Only the fields used are modelled; everything else is ignored, so GitHub adding fields
never breaks a delivery. Names, shas and refs are checked against GitHub's own rules
because they end up in API paths and in the database.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bastion.scans.schemas import SHA_PATTERN

# GitHub's characters for owners and repositories (GHES allows more in logins than
# github.com); "." and ".." are path segments, never names.
NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,100}$"


def _not_a_dot_segment(name: str) -> str:
    if name in {".", ".."}:
        raise ValueError("not a repository or owner name")
    return name


Name = Annotated[str, Field(strict=True, pattern=NAME_PATTERN), AfterValidator(_not_a_dot_segment)]
Sha = Annotated[str, Field(strict=True, pattern=SHA_PATTERN)]
# scan_reports.ref holds 255 characters, GitHub's own limit for ref names; git forbids
# control characters in them (and PostgreSQL text cannot hold NUL).
Ref = Annotated[
    str, Field(strict=True, min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f]+$")
]
Id = Annotated[int, Field(strict=True, gt=0)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Installation(_Payload):
    id: Id


class Account(_Payload):
    login: Name


class Repository(_Payload):
    name: Name
    owner: Account
    default_branch: Ref | None = None


class App(_Payload):
    id: Id


class Branch(_Payload):
    ref: Ref
    sha: Sha


class PullRequest(_Payload):
    number: Id
    head: Branch


class LinkedPullRequest(_Payload):
    """A pull request a check suite or run lists (same-repository ones only)."""

    number: Id


class PullRequestEvent(_Payload):
    pull_request: PullRequest
    repository: Repository
    installation: Installation | None = None


class CheckSuite(_Payload):
    head_sha: Sha
    head_branch: Ref | None = None
    pull_requests: list[LinkedPullRequest] = []
    app: App | None = None


class CheckSuiteEvent(_Payload):
    check_suite: CheckSuite
    repository: Repository
    installation: Installation | None = None


class CheckRunSuite(_Payload):
    head_branch: Ref | None = None


class CheckRun(_Payload):
    name: Annotated[str, Field(strict=True)]
    head_sha: Sha
    check_suite: CheckRunSuite | None = None
    pull_requests: list[LinkedPullRequest] = []
    app: App | None = None


class CheckRunEvent(_Payload):
    check_run: CheckRun
    repository: Repository
    installation: Installation | None = None


class PushEvent(_Payload):
    ref: Annotated[str, Field(strict=True)]
    after: Sha
    deleted: Annotated[bool, Field(strict=True)] = False
    repository: Repository
    installation: Installation | None = None


class InstallationEvent(_Payload):
    installation: Installation


class RemovedRepository(_Payload):
    full_name: Annotated[str, Field(strict=True, pattern=r"^[^/]+/[^/]+$")]

    @property
    def owner_and_name(self) -> tuple[str, str]:
        owner, name = self.full_name.split("/")
        return owner, name


class InstallationRepositoriesEvent(_Payload):
    installation: Installation
    repositories_removed: list[RemovedRepository] = []

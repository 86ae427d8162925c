"""bastion.github.pulls against the GitHub stand-in: reading a commit's files through the
git data API, permissions, branches."""

from __future__ import annotations

import pytest

from bastion.github.client import GitHubClient
from bastion.github.errors import InvalidInstallation, RepoNotFound
from bastion.github.pulls import NoWriteAccess, PullRequests, Where
from tests.server.conftest import ACME
from tests.support.github_standin import WRITE_PERMISSIONS, GitHubStandin
from tests.support.paths import shared_dir

NPM_APP = shared_dir() / "fixtures" / "npm-app"
WHERE = Where(ACME, "acme", "npm-app")


@pytest.fixture
def pulls(github_client: GitHubClient) -> PullRequests:
    return PullRequests(github_client)


def head(github: GitHubStandin) -> str:
    return github.repos[("acme", "npm-app")].refs["heads/main"]


def test_files_of_a_commit_at_any_depth(pulls: PullRequests, github: GitHubStandin) -> None:
    files = pulls.files(WHERE, head(github))
    root = files.read("package.json")
    nested = files.read("src/render/markdown.mjs")
    assert root is not None
    assert nested is not None
    assert root.data == (NPM_APP / "package.json").read_bytes()
    assert nested.data == (NPM_APP / "src" / "render" / "markdown.mjs").read_bytes()
    assert root.mode == "100644"
    assert files.read("src") is None  # a directory
    assert files.read("no/such/file.json") is None
    assert files.read("src/missing.js") is None
    # Each directory was listed once, whatever was read from it.
    assert len(github.calls_to(r"/git/trees/")) == 3


def test_a_commit_github_does_not_know(pulls: PullRequests) -> None:
    files = pulls.files(WHERE, "f" * 40)
    with pytest.raises(RepoNotFound):
        files.read("package.json")
    with pytest.raises(RepoNotFound):
        pulls.files(WHERE, "not-a-sha")


def test_write_access_needs_contents_and_pull_requests(
    pulls: PullRequests, github: GitHubStandin
) -> None:
    with pytest.raises(NoWriteAccess) as refused:
        pulls.check_write_access(ACME)
    assert refused.value.detail == f"installation {ACME} lacks write on contents, pull_requests"
    github.installations[ACME].permissions = dict(WRITE_PERMISSIONS)
    pulls.check_write_access(ACME)
    with pytest.raises(InvalidInstallation):
        pulls.check_write_access(999_999)


def test_branches(pulls: PullRequests, github: GitHubStandin) -> None:
    github.add_repo("acme", "legacy", NPM_APP, branch="trunk")
    legacy = Where(ACME, "acme", "legacy")
    assert pulls.default_branch(legacy) == "trunk"
    assert pulls.branch_sha(legacy, "trunk") == github.repos[("acme", "legacy")].refs["heads/trunk"]
    assert pulls.branch_sha(legacy, "feature/x") is None

    github.installations[ACME].permissions = dict(WRITE_PERMISSIONS)
    sha = github.repos[("acme", "legacy")].refs["heads/trunk"]
    assert pulls.create_branch(legacy, "feature/x", sha)
    assert not pulls.create_branch(legacy, "feature/x", sha)
    assert pulls.branch_sha(legacy, "feature/x") == sha

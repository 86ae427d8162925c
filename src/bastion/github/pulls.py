"""The GitHub calls a fix pull request needs, on top of :class:`GitHubClient`'s plumbing
(installation tokens, retries with backoff, rate limits, call counting).

Files are read through the git data API at the scanned commit (trees walked one
directory at a time, then blobs), so what gets edited is exactly what was scanned, and
no listing is ever truncated. The change is written the same way: blobs, one tree on
top of the commit's tree, one commit whose parent is the scanned commit, a branch, then
the pull request. Blobs, trees and commits are content-addressed and invisible until a
ref points at them, so a failure before the branch exists leaves nothing behind.

Errors, as SPEC §2 codes: the App's permissions lack ``contents`` or ``pull_requests``
write, or GitHub answers 403 to a write → :class:`NoWriteAccess`; the repository or
commit is gone (404, 409, 422 on reads) → :class:`RepoNotFound`; GitHub refuses the
pull request itself (422) → :class:`PullRequestRejected`; anything else →
``github_unavailable``.
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bastion.github.client import (
    GitHubClient,
    _check_names,
    _json,
    _message,
    _unexpected,
)
from bastion.github.errors import GitHubError, GitHubUnavailable, RepoNotFound

logger = logging.getLogger(__name__)

# What the App must hold on the installation to push a branch and open a pull request.
WRITE_PERMISSIONS = ("contents", "pull_requests")
FILE_MODES = frozenset({"100644", "100755"})
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


class NoWriteAccess(GitHubError):
    """The App may not push branches or open pull requests on the repository."""

    code = "no_write_access"
    status_code = 403
    default_message = (
        "The GitHub App needs write access to contents and pull requests to open a fix"
    )


class PullRequestRejected(GitHubError):
    """GitHub refused the pull request itself (no such base branch, a rule, ...)."""

    code = "pull_request_rejected"
    status_code = 422
    default_message = "GitHub refused to open the pull request"


@dataclass(frozen=True, slots=True)
class TreeEntry:
    name: str
    mode: str
    type: str  # "blob", "tree" or "commit" (a submodule)
    sha: str


@dataclass(frozen=True, slots=True)
class RepoFile:
    path: str
    data: bytes
    mode: str


@dataclass(frozen=True, slots=True)
class PullRequest:
    number: int
    url: str  # the html_url people open
    title: str


@dataclass
class CommitFiles:
    """Files of one commit, read on demand; each directory's tree is fetched once."""

    pulls: PullRequests
    installation_id: int
    owner: str
    repo: str
    commit_sha: str
    _trees: dict[str, tuple[str, dict[str, TreeEntry]]] = field(default_factory=dict)

    @property
    def tree_sha(self) -> str:
        """The commit's root tree, the base of the fix's tree."""
        return self._directory("")[0]

    def read(self, path: str) -> RepoFile | None:
        """The file at ``path`` (repo-relative, "/"-separated), or None when it is not a
        regular file there."""
        directory, _, name = path.rpartition("/")
        try:
            entries = self._directory(directory)[1]
        except _NoDirectory:
            return None
        entry = entries.get(name)
        if entry is None or entry.type != "blob" or entry.mode not in FILE_MODES:
            return None
        return RepoFile(path, self.pulls.blob(self._where(), entry.sha), entry.mode)

    def _directory(self, directory: str) -> tuple[str, dict[str, TreeEntry]]:
        if directory not in self._trees:
            if directory:
                parent, _, name = directory.rpartition("/")
                entry = self._directory(parent)[1].get(name)
                if entry is None or entry.type != "tree":
                    raise _NoDirectory(directory)
                sha = entry.sha
            else:
                # GitHub takes a commit sha for a tree and answers with the commit's tree.
                sha = self.commit_sha
            self._trees[directory] = self.pulls.tree(self._where(), sha)
        return self._trees[directory]

    def _where(self) -> Where:
        return Where(self.installation_id, self.owner, self.repo)


class _NoDirectory(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Where:
    installation_id: int
    owner: str
    repo: str

    def path(self, rest: str) -> str:
        return f"repos/{self.owner}/{self.repo}/{rest}"


class PullRequests:
    """Reads and writes of one App, for fix pull requests."""

    def __init__(self, client: GitHubClient) -> None:
        self.client = client

    # -- permissions and repository facts -------------------------------------------

    def check_write_access(self, installation_id: int) -> None:
        """Raise :class:`NoWriteAccess` unless the installation may push and open PRs."""
        installation = self.client._get_installation(installation_id)
        permissions = installation.get("permissions") or {}
        missing = [p for p in WRITE_PERMISSIONS if permissions.get(p) != "write"]
        if missing:
            raise NoWriteAccess(
                detail=f"installation {installation_id} lacks write on {', '.join(missing)}"
            )

    def files(self, where: Where, commit_sha: str) -> CommitFiles:
        _check_names(where.owner, where.repo)
        if not _SHA.fullmatch(commit_sha):
            raise RepoNotFound(detail=f"{commit_sha!r} is not a commit sha")
        return CommitFiles(self, where.installation_id, where.owner, where.repo, commit_sha)

    def default_branch(self, where: Where) -> str:
        body = self._read(where, "get_repo", f"repos/{where.owner}/{where.repo}")
        branch = body.get("default_branch")
        if not isinstance(branch, str) or not branch:
            raise GitHubUnavailable(detail="repository without a default branch")
        return branch

    def branch_sha(self, where: Where, branch: str) -> str | None:
        """The commit a branch points at, or None when there is no such branch."""
        status, answer = self._call(
            where, "get_ref", "GET", where.path(f"git/ref/heads/{quote(branch, safe='/')}")
        )
        if status == 200 and isinstance(answer, dict):
            target = answer.get("object")
            sha = target.get("sha") if isinstance(target, dict) else None
            if isinstance(sha, str):
                return sha
            raise GitHubUnavailable(detail="malformed ref answer")
        if status in (404, 409):  # 409: the repository is empty
            return None
        raise GitHubUnavailable(detail=f"get_ref: unexpected HTTP {status}")

    # -- reading the scanned commit -------------------------------------------------

    def tree(self, where: Where, sha: str) -> tuple[str, dict[str, TreeEntry]]:
        """(the tree's own sha, its entries by name) of one directory level."""
        body = self._read(where, "get_tree", where.path(f"git/trees/{sha}"))
        entries: dict[str, TreeEntry] = {}
        try:
            for item in body["tree"]:
                entries[str(item["path"])] = TreeEntry(
                    str(item["path"]), str(item["mode"]), str(item["type"]), str(item["sha"])
                )
            return str(body["sha"]), entries
        except (KeyError, TypeError) as exc:
            raise GitHubUnavailable(detail="malformed tree answer") from exc

    def blob(self, where: Where, sha: str) -> bytes:
        body = self._read(where, "get_blob", where.path(f"git/blobs/{sha}"))
        content, encoding = body.get("content"), body.get("encoding")
        if not isinstance(content, str) or encoding not in ("base64", "utf-8"):
            raise GitHubUnavailable(detail=f"blob {sha} came as {encoding!r}")
        if encoding == "utf-8":
            return content.encode()
        try:
            return base64.b64decode(content)
        except ValueError as exc:
            raise GitHubUnavailable(detail=f"blob {sha} is not valid base64") from exc

    # -- writing the fix --------------------------------------------------------------

    def create_blob(self, where: Where, data: bytes) -> str:
        body = {"content": base64.b64encode(data).decode("ascii"), "encoding": "base64"}
        return self._sha(self._write(where, "create_blob", where.path("git/blobs"), body))

    def create_tree(self, where: Where, base_tree: str, files: dict[str, tuple[str, str]]) -> str:
        """A tree on top of ``base_tree`` with ``files`` (path → (mode, blob sha))."""
        entries = [
            {"path": path, "mode": mode, "type": "blob", "sha": sha}
            for path, (mode, sha) in sorted(files.items())
        ]
        body = {"base_tree": base_tree, "tree": entries}
        return self._sha(self._write(where, "create_tree", where.path("git/trees"), body))

    def create_commit(self, where: Where, message: str, tree: str, parent: str) -> str:
        body = {"message": message, "tree": tree, "parents": [parent]}
        return self._sha(self._write(where, "create_commit", where.path("git/commits"), body))

    def create_branch(self, where: Where, branch: str, sha: str) -> bool:
        """Point a new branch at ``sha``; False when a branch of that name exists."""
        body = {"ref": f"refs/heads/{branch}", "sha": sha}
        status, answer = self._call(where, "create_ref", "POST", where.path("git/refs"), body)
        if status == 201:
            return True
        if status == 422 and "already exists" in _text(answer).lower():
            return False
        raise self._write_error("create_ref", status, answer)

    def create_pull(
        self, where: Where, *, title: str, head: str, base: str, body: str
    ) -> PullRequest:
        request = {"title": title, "head": head, "base": base, "body": body}
        status, answer = self._call(where, "create_pull", "POST", where.path("pulls"), request)
        if status == 201 and isinstance(answer, dict):
            try:
                return PullRequest(
                    int(answer["number"]), str(answer["html_url"]), str(answer["title"])
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise GitHubUnavailable(detail="malformed pull request answer") from exc
        if status == 422 and "already exists" in _text(answer).lower():
            # The branch is new, so only our own earlier attempt (a retry after a lost
            # answer) can have opened it; its number cannot be looked up by branch.
            raise GitHubUnavailable(detail=f"create_pull: answer lost for {head}: {_text(answer)}")
        if status == 422:
            raise PullRequestRejected(detail=f"{head} → {base}: {_text(answer)}")
        raise self._write_error("create_pull", status, answer)

    # -- plumbing ---------------------------------------------------------------------

    def _read(self, where: Where, operation: str, path: str) -> dict[str, Any]:
        status, answer = self._call(where, operation, "GET", path)
        if status == 200 and isinstance(answer, dict):
            return answer
        if status in (403, 404, 409, 422):
            raise RepoNotFound(detail=f"{operation} {path}: HTTP {status}: {_text(answer)}")
        raise GitHubUnavailable(detail=f"{operation}: unexpected HTTP {status}: {_text(answer)}")

    def _write(
        self, where: Where, operation: str, path: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        status, answer = self._call(where, operation, "POST", path, body)
        if status == 201 and isinstance(answer, dict):
            return answer
        raise self._write_error(operation, status, answer)

    def _write_error(self, operation: str, status: int, answer: object) -> GitHubError:
        detail = f"{operation}: HTTP {status}: {_text(answer)}"
        if status == 403:
            return NoWriteAccess(detail=detail)
        if status in (404, 409):
            return RepoNotFound(detail=detail)
        return GitHubUnavailable(detail=detail)

    def _call(
        self,
        where: Where,
        operation: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
    ) -> tuple[int, object]:
        """(status, decoded JSON or the text) of one installation request."""
        with self.client._installation_request(
            where.installation_id, operation, method, path, json=body, stream=False
        ) as response:
            status = response.status_code
            if status >= 300 and status not in (403, 404, 409, 422):
                raise _unexpected(operation, response)
            try:
                return status, _json(response)
            except GitHubUnavailable:
                return status, _message(response)

    @staticmethod
    def _sha(answer: dict[str, Any]) -> str:
        sha = answer.get("sha")
        if not isinstance(sha, str) or not _SHA.fullmatch(sha):
            raise GitHubUnavailable(detail=f"unexpected sha {str(sha)[:80]!r}")
        return sha


def _text(answer: object) -> str:
    """GitHub's message (and validation errors) from an answer, for logs and details."""
    if isinstance(answer, dict):
        message = str(answer.get("message", ""))
        errors = answer.get("errors")
        if isinstance(errors, list):
            notes = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
            message = "; ".join([message, *notes])
        return message
    return str(answer)

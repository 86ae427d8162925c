"""A GitHub stand-in: a real HTTP server on loopback that answers like api.github.com.

It knows installations → repositories → refs → commits, verifies the App JWT with the
App's public key, issues and checks installation tokens, serves tarballs built from
directories (``owner-repo-sha7/`` prefix and pax ``comment`` header, as ``git archive``
writes them) behind a 302 to a codeload-like path, and can fail on demand: 5xx, primary
and secondary rate limits, slow answers, dropped connections, truncated downloads.

Every request and every answer of the API routes is validated against GitHub's own
OpenAPI description (``../shared/github/openapi-subset.json``) with openapi-core; the
fixture fails the test at teardown when anything did not validate. Adjustments to the
description, each because the description cannot express what GitHub really does:

* multi-segment path parameters (``{ref}``) are percent-encoded before matching;
* ``application/vnd.github.sha`` bodies are decoded as text (the schema says string);
* statuses GitHub sends on any route but the description omits for an operation
  (401, 403, 404, 429, 5xx) are checked against ``basic-error``, GitHub's error shape;
* the codeload download path is outside the API and not validated;
* ``POST …/check-runs`` loses its unresolvable ``discriminator`` and a check run's
  ``conclusion`` enum admits null (an open run's; the schema says ``nullable``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import secrets
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from tests.support.paths import shared_dir

DOCS = "https://docs.github.com/rest"
SPEC_HOST = "https://api.github.com"
# Statuses GitHub may answer on any route, whether or not the description lists them.
GENERIC_ERROR_STATUSES = ("401", "403", "404", "429", "500", "502", "503", "504")
JWT_MAX_LIFETIME = 600
TOKEN_LIFETIME = 3600
COMMIT_TIME = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
DEFAULT_PERMISSIONS = {"contents": "read", "metadata": "read", "checks": "write"}
# What fix pull requests need: pushing a branch and opening the pull request.
WRITE_PERMISSIONS = {**DEFAULT_PERMISSIONS, "contents": "write", "pull_requests": "write"}


# -- archives -----------------------------------------------------------------------


def build_github_tarball(source: Path, prefix: str, sha: str) -> bytes:
    """A ``.tar.gz`` of ``source`` shaped like GitHub's: ``prefix/`` first, then the tree."""
    buffer = io.BytesIO()
    mtime = COMMIT_TIME.timestamp()
    with tarfile.open(
        fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT, pax_headers={"comment": sha}
    ) as tar:
        tar.addfile(_dir_info(prefix, mtime))
        for path in sorted(source.rglob("*")):
            name = f"{prefix}/{path.relative_to(source).as_posix()}"
            if path.is_symlink():
                info = tarfile.TarInfo(name)
                info.type = tarfile.SYMTYPE
                info.linkname = str(path.readlink())
                info.mtime = int(mtime)
                tar.addfile(info)
            elif path.is_dir():
                tar.addfile(_dir_info(name, mtime))
            else:
                data = path.read_bytes()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = 0o755 if path.stat().st_mode & 0o100 else 0o644
                info.mtime = int(mtime)
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _dir_info(name: str, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o775
    info.mtime = int(mtime)
    return info


# -- the OpenAPI check ---------------------------------------------------------------


@cache
def _openapi() -> OpenAPI:
    spec = json.loads((shared_dir() / "github" / "openapi-subset.json").read_text())
    spec["servers"] = [{"url": SPEC_HOST}]
    # openapi-core cannot resolve this discriminator (see ../shared/github/README.md).
    spec["paths"]["/repos/{owner}/{repo}/check-runs"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"].pop("discriminator", None)
    # An open check run has "conclusion": null, which the schema allows ("nullable") but
    # the validator rejects because the enum does not list null.
    spec["components"]["schemas"]["check-run"]["properties"]["conclusion"]["enum"].append(None)
    spec["components"]["responses"]["standin-generic-error"] = {
        "description": "An error GitHub answers on any route",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/basic-error"}}},
    }
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                for status in GENERIC_ERROR_STATUSES:
                    operation["responses"].setdefault(
                        status, {"$ref": "#/components/responses/standin-generic-error"}
                    )
    config = Config(extra_media_type_deserializers={"application/vnd.github.sha": _text})
    return OpenAPI.from_dict(spec, config=config)


def _text(data: bytes, **parameters: str) -> str:
    return data.decode(parameters.get("charset", "utf-8"))


_validation_lock = threading.Lock()


def openapi_violations(
    method: str,
    path: str,
    *,
    query: dict[str, str],
    request_headers: dict[str, str],
    request_body: bytes,
    reply: Reply,
) -> list[str]:
    """What in this exchange GitHub's description does not allow (empty when all is well)."""
    request = MockRequest(
        SPEC_HOST,
        method.lower(),
        path,
        args=query,
        headers=request_headers,
        data=request_body or None,
        content_type=request_headers.get("content-type", "application/json"),
    )
    response = MockResponse(
        data=reply.body,
        status_code=reply.status,
        headers=reply.headers,
        content_type=reply.content_type or "application/json",
    )
    problems: list[str] = []
    api = _openapi()
    with _validation_lock:
        checks: list[tuple[str, Callable[[], None]]] = [
            ("request", lambda: api.validate_request(request)),
            ("response", lambda: api.validate_response(request, response)),
        ]
        for kind, check in checks:
            try:
                check()
            except Exception as exc:
                cause = exc.__cause__
                details = getattr(cause, "schema_errors", None) or ([cause] if cause else [])
                problems.append(
                    f"{method} {path} → {reply.status}: invalid {kind}: {exc}"
                    + "".join(f"\n    {d}" for d in details)
                )
    return problems


# -- the GitHub model ----------------------------------------------------------------


@dataclass
class StandinRepo:
    id: int
    owner: str
    name: str
    refs: dict[str, str] = field(default_factory=dict)  # "heads/main", "tags/v1" → sha
    commits: dict[str, Path] = field(default_factory=dict)  # sha → the tree's directory
    default_branch: str = "main"
    # Serve these bytes instead of the built tarball (crafted or oversized archives).
    archive_override: bytes | None = None
    _tarballs: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def commit(self, source: Path, *, branch: str | None = None, tag: str | None = None) -> str:
        """Add a commit whose tree is ``source``; move ``branch``/``tag`` to it."""
        sha = hashlib.sha1(
            f"{self.full_name}\0{source}\0{len(self.commits)}".encode(), usedforsecurity=False
        ).hexdigest()
        self.commits[sha] = source
        if branch:
            self.refs[f"heads/{branch}"] = sha
        if tag:
            self.refs[f"tags/{tag}"] = sha
        return sha

    def resolve(self, ref: str) -> str | None:
        ref = ref.removeprefix("refs/")
        for candidate in (ref, f"heads/{ref}", f"tags/{ref}"):
            if candidate in self.refs:
                return self.refs[candidate]
        if re.fullmatch(r"[0-9a-f]{7,40}", ref):
            matches = [sha for sha in self.commits if sha.startswith(ref)]
            if len(matches) == 1:
                return matches[0]
        return None

    def tarball(self, sha: str) -> bytes:
        if self.archive_override is not None:
            return self.archive_override
        if sha not in self._tarballs:
            prefix = f"{self.owner}-{self.name}-{sha[:7]}"
            self._tarballs[sha] = build_github_tarball(self.commits[sha], prefix, sha)
        return self._tarballs[sha]


@dataclass
class StandinInstallation:
    id: int
    account: str
    account_id: int
    account_type: str = "Organization"
    repository_selection: str = "all"
    repositories: set[str] = field(default_factory=set)  # names, when "selected"
    suspended: bool = False
    # What the App may do (GET /app/installations/{id}); writes are refused without it.
    permissions: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))

    def covers(self, repo: StandinRepo) -> bool:
        if self.account.lower() != repo.owner.lower():
            return False
        return self.repository_selection == "all" or repo.name.lower() in {
            r.lower() for r in self.repositories
        }


@dataclass
class Fault:
    """One scripted misbehaviour for requests whose path matches ``pattern`` (re.search)."""

    pattern: str
    times: int = 1
    method: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "Server Error"
    delay: float = 0.0
    disconnect: bool = False
    truncate: bool = False


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None


@dataclass
class Call:
    method: str
    path: str
    status: int
    headers: dict[str, str]


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., Reply]
    # Index of the regex group to percent-encode for OpenAPI matching (multi-segment).
    multi_segment_group: int | None = None
    # The handler takes the request body as ``body=`` (writes: check runs, pulls, git data).
    wants_body: bool = False


@dataclass
class StandinCheckRun:
    """A check run as the stand-in stores it; ``requests`` are the bodies it was sent."""

    id: int
    owner: str
    repo: str
    head_sha: str
    name: str
    status: str
    conclusion: str | None
    external_id: str | None
    details_url: str | None
    started_at: str | None
    completed_at: str | None
    output: dict[str, Any] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class StandinPull:
    """A pull request as the stand-in stores it (fix pull requests)."""

    number: int
    owner: str
    repo: str
    title: str
    body: str | None
    head: str  # branch names, as sent
    base: str
    head_sha: str
    base_sha: str
    created_at: str


class GitHubStandin:
    def __init__(
        self,
        app_id: int,
        public_key: rsa.RSAPublicKey,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app_id = app_id
        self.public_key = public_key
        self.clock = clock
        self.url = ""
        self.installations: dict[int, StandinInstallation] = {}
        self.repos: dict[tuple[str, str], StandinRepo] = {}
        self.faults: list[Fault] = []
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.jwt_claims: list[dict[str, Any]] = []
        self.tokens: dict[str, tuple[int, float]] = {}  # token → (installation, expires)
        self._codeload_tokens: dict[str, tuple[str, str, str, float]] = {}
        self._lock = threading.Lock()
        self._remaining = 5000
        self._ids = iter(range(1000, 10**9))
        self._routes = [
            _Route(
                "POST", re.compile(r"/app/installations/(\d+)/access_tokens"), self._create_token
            ),
            _Route("GET", re.compile(r"/app/installations/(\d+)"), self._get_installation),
            _Route("GET", re.compile(r"/repos/([^/]+)/([^/]+)/installation"), self._repo_install),
            _Route("GET", re.compile(r"/repos/([^/]+)/([^/]+)/commits/(.+)"), self._commit, 3),
            _Route("GET", re.compile(r"/repos/([^/]+)/([^/]+)/tarball/(.+)"), self._tarball, 3),
        ]
        # Check runs. First in the list: the commits route's {ref} would also match
        # "<sha>/check-runs". Listing ignores the query (filters, pages): it answers all.
        self.check_runs: dict[int, StandinCheckRun] = {}
        self._routes[:0] = [
            _Route(
                "GET",
                re.compile(r"/repos/([^/]+)/([^/]+)/commits/([^/]+)/check-runs"),
                self._list_check_runs,
            ),
            _Route(
                "POST",
                re.compile(r"/repos/([^/]+)/([^/]+)/check-runs"),
                self._create_check_run,
                wants_body=True,
            ),
            _Route(
                "PATCH",
                re.compile(r"/repos/([^/]+)/([^/]+)/check-runs/(\d+)"),
                self._update_check_run,
                wants_body=True,
            ),
        ]
        # Git data and pull requests (fix pull requests). Objects live in memory by sha;
        # a tree is flat, {path: (mode, blob sha)}; a fixture commit's tree is built from
        # its directory on first use. GET git/trees ignores ?recursive (one level).
        self.git_blobs: dict[str, bytes] = {}
        self.git_trees: dict[str, dict[str, tuple[str, str]]] = {}
        self.git_commits: dict[str, tuple[str, list[str], str]] = {}  # tree, parents, message
        self.pulls: dict[tuple[str, str], list[StandinPull]] = {}
        self._commit_trees: dict[str, str] = {}  # fixture commit sha → tree sha
        repo_path = r"/repos/([^/]+)/([^/]+)"
        self._routes += [
            _Route("GET", re.compile(repo_path), self._get_repo),
            _Route("GET", re.compile(repo_path + r"/git/trees/(.+)"), self._get_tree, 3),
            _Route("GET", re.compile(repo_path + r"/git/blobs/([^/]+)"), self._get_blob),
            _Route("GET", re.compile(repo_path + r"/git/ref/(.+)"), self._get_ref, 3),
            _Route("GET", re.compile(repo_path + r"/pulls/(\d+)"), self._get_pull),
        ]
        self._routes += [
            _Route("POST", re.compile(f"{repo_path}/{path}"), handler, wants_body=True)
            for path, handler in (
                ("git/blobs", self._create_blob),
                ("git/trees", self._create_tree),
                ("git/commits", self._create_commit),
                ("git/refs", self._create_ref),
                ("pulls", self._create_pull),
            )
        ]

    # -- set-up ----------------------------------------------------------------------

    def add_installation(
        self,
        installation_id: int,
        account: str,
        *,
        repositories: set[str] | None = None,
        account_type: str = "Organization",
        permissions: dict[str, str] | None = None,
    ) -> StandinInstallation:
        """An installation on ``account``: all its repositories, or only ``repositories``;
        ``permissions`` default to read access to contents (no writes)."""
        installation = StandinInstallation(
            installation_id,
            account,
            next(self._ids),
            account_type,
            "all" if repositories is None else "selected",
            set(repositories or ()),
            permissions=dict(permissions or DEFAULT_PERMISSIONS),
        )
        self.installations[installation_id] = installation
        return installation

    def add_repo(
        self,
        owner: str,
        name: str,
        source: Path,
        *,
        branch: str = "main",
        tags: tuple[str, ...] = (),
    ) -> StandinRepo:
        repo = StandinRepo(next(self._ids), owner, name, default_branch=branch)
        sha = repo.commit(source, branch=branch)
        for tag in tags:
            repo.refs[f"tags/{tag}"] = sha
        self.repos[(owner.lower(), name.lower())] = repo
        return repo

    def fail(self, pattern: str, status: int = 502, *, times: int = 1) -> None:
        self.faults.append(Fault(pattern, times, status=status))

    def rate_limit(self, pattern: str, *, reset_in: float, times: int = 1) -> None:
        """The primary limit: 403, ``x-ratelimit-remaining: 0``, reset ``reset_in`` s away."""
        reset = str(int(self.clock() + reset_in))
        self.faults.append(
            Fault(
                pattern,
                times,
                status=403,
                headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
                message="API rate limit exceeded for installation.",
            )
        )

    def secondary_rate_limit(
        self, pattern: str, *, retry_after: int | None, status: int = 403, times: int = 1
    ) -> None:
        headers = {} if retry_after is None else {"retry-after": str(retry_after)}
        self.faults.append(
            Fault(
                pattern,
                times,
                status=status,
                headers=headers,
                message="You have exceeded a secondary rate limit. Please wait a few minutes "
                "before you try again.",
            )
        )

    def slow(self, pattern: str, seconds: float, *, times: int = 1) -> None:
        self.faults.append(Fault(pattern, times, delay=seconds))

    def disconnect(self, pattern: str, *, times: int = 1) -> None:
        self.faults.append(Fault(pattern, times, disconnect=True))

    def truncate(self, pattern: str, *, times: int = 1) -> None:
        """Announce the whole body, send half of it, hang up."""
        self.faults.append(Fault(pattern, times, truncate=True))

    @contextmanager
    def expecting_violations(self) -> Iterator[list[str]]:
        """For tests of the checker itself: collect violations instead of failing on them."""
        before = len(self.violations)
        found: list[str] = []
        yield found
        with self._lock:
            found.extend(self.violations[before:])
            del self.violations[before:]

    def calls_to(self, pattern: str) -> list[Call]:
        return [c for c in self.calls if re.search(pattern, c.path)]

    # -- request handling ------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if (
                    fault.times > 0
                    and re.search(fault.pattern, path)
                    and fault.method in (None, method)
                ):
                    fault.times -= 1
                    return fault
        return None

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[Reply, Fault | None]:
        split = urlsplit(raw_path)
        path = split.path
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        fault = self._take_fault(method, path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if path.startswith("/_codeload/"):
            reply = self._codeload(path, query)
            if fault is not None and fault.status is not None:
                reply = Reply(fault.status, f"{fault.status}: {fault.message}".encode())
                reply.content_type = "text/plain; charset=utf-8"
            self._record(method, raw_path, reply, headers)
            return reply, fault
        reply, validation_path = self._dispatch(method, path, headers, body)
        if fault is not None and fault.status is not None:
            reply = self._error(fault.status, fault.message, fault.headers)
        reply.headers.update(self._standard_headers(reply))
        self._record(method, raw_path, reply, headers)
        problems = openapi_violations(
            method,
            validation_path,
            query=query,
            request_headers=headers,
            request_body=body,
            reply=reply,
        )
        if problems:
            with self._lock:
                self.violations.extend(problems)
        return reply, fault

    def _record(self, method: str, path: str, reply: Reply, headers: dict[str, str]) -> None:
        with self._lock:
            self.calls.append(Call(method, path, reply.status, dict(headers)))

    def _dispatch(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[Reply, str]:
        if not headers.get("user-agent"):
            return self._error(
                403,
                "Request forbidden by administrative rules. Please make sure your request has "
                "a User-Agent header.",
            ), path
        for route in self._routes:
            match = route.pattern.fullmatch(path)
            if match is None or route.method != method:
                continue
            groups = [unquote(g) for g in match.groups()]
            validation_path = path
            if route.multi_segment_group is not None:
                start, end = match.span(route.multi_segment_group)
                encoded = quote(groups[route.multi_segment_group - 1], safe="")
                validation_path = path[:start] + encoded + path[end:]
            if route.wants_body:
                return route.handler(headers, *groups, body=body), validation_path
            return route.handler(headers, *groups), validation_path
        return self._error(404, "Not Found"), path

    def _standard_headers(self, reply: Reply) -> dict[str, str]:
        with self._lock:
            self._remaining = max(0, self._remaining - 1)
            remaining = self._remaining
        headers = {
            "x-github-api-version-selected": "2022-11-28",
            "x-github-request-id": secrets.token_hex(8).upper(),
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(int(self.clock()) + 3600),
            "x-ratelimit-resource": "core",
        }
        headers.update(reply.headers)  # a scripted rate limit keeps its own values
        return headers

    # -- authentication --------------------------------------------------------------

    def _app_jwt_problem(self, headers: dict[str, str]) -> str | None:
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or credential.count(".") != 2:
            return "A JSON web token could not be decoded"
        try:
            claims = jwt.decode(
                credential,
                self.public_key,
                algorithms=["RS256"],
                options={
                    "require": ["iat", "exp", "iss"],
                    # Checked below against the stand-in's clock, which tests control.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_iss": False,
                },
            )
        except jwt.InvalidTokenError:
            return "A JSON web token could not be decoded"
        with self._lock:
            self.jwt_claims.append(claims)
        now = self.clock()
        exp, iat = claims["exp"], claims["iat"]
        if not isinstance(exp, int) or exp <= now:
            return (
                "'Expiration time' claim ('exp') must be a numeric value representing the "
                "future time at which the assertion expires"
            )
        if exp - now > JWT_MAX_LIFETIME:
            return "'Expiration time' claim ('exp') is too far in the future"
        if not isinstance(iat, int) or iat > now + 60:
            return (
                "'Issued at' claim ('iat') must be an Integer representing the time that the "
                "assertion was issued"
            )
        if str(claims["iss"]) != str(self.app_id):
            return "'Issuer' claim ('iss') must be the App ID of an existing GitHub App"
        return None

    def _installation_for_token(self, headers: dict[str, str]) -> StandinInstallation | None:
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        with self._lock:
            entry = self.tokens.get(credential)
        if entry is None or self.clock() >= entry[1]:
            return None
        return self.installations.get(entry[0])

    def _visible_repo(self, headers: dict[str, str], owner: str, name: str) -> StandinRepo | Reply:
        if "authorization" not in headers:
            return self._error(404, "Not Found")  # private repositories do not exist to strangers
        installation = self._installation_for_token(headers)
        if installation is None:
            return self._error(401, "Bad credentials")
        repo = self.repos.get((owner.lower(), name.lower()))
        if repo is None or not installation.covers(repo):
            return self._error(404, "Not Found")
        return repo

    # -- routes ----------------------------------------------------------------------

    def _create_token(self, headers: dict[str, str], installation_id: str) -> Reply:
        problem = self._app_jwt_problem(headers)
        if problem:
            return self._error(401, problem)
        installation = self.installations.get(int(installation_id))
        if installation is None:
            return self._error(404, "Not Found")
        if installation.suspended:
            return self._error(403, "This installation has been suspended")
        token = "ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36]
        expires = self.clock() + TOKEN_LIFETIME
        with self._lock:
            self.tokens[token] = (installation.id, expires)
        return self._json(
            201,
            {
                "token": token,
                "expires_at": _iso(expires),
                "permissions": installation.permissions,
                "repository_selection": installation.repository_selection,
            },
        )

    def _get_installation(self, headers: dict[str, str], installation_id: str) -> Reply:
        problem = self._app_jwt_problem(headers)
        if problem:
            return self._error(401, problem)
        installation = self.installations.get(int(installation_id))
        if installation is None:
            return self._error(404, "Not Found")
        return self._json(200, self._installation_json(installation))

    def _repo_install(self, headers: dict[str, str], owner: str, name: str) -> Reply:
        problem = self._app_jwt_problem(headers)
        if problem:
            return self._error(401, problem)
        repo = self.repos.get((owner.lower(), name.lower()))
        for installation in self.installations.values():
            if repo is not None and installation.covers(repo):
                return self._json(200, self._installation_json(installation))
        return self._error(404, "Not Found")

    def _commit(self, headers: dict[str, str], owner: str, name: str, ref: str) -> Reply:
        repo = self._visible_repo(headers, owner, name)
        if isinstance(repo, Reply):
            return repo
        if not repo.refs:
            return self._error(409, "Git Repository is empty.")
        sha = repo.resolve(ref)
        if sha is None:
            return self._json(
                422,
                {
                    "message": f"No commit found for SHA: {ref}",
                    "documentation_url": f"{DOCS}/commits/commits#get-a-commit",
                    "status": "422",
                },
            )
        if headers.get("accept", "").startswith("application/vnd.github.sha"):
            return Reply(200, sha.encode(), {}, "application/vnd.github.sha; charset=utf-8")
        return self._json(200, self._commit_json(repo, sha))

    def _tarball(self, headers: dict[str, str], owner: str, name: str, ref: str) -> Reply:
        repo = self._visible_repo(headers, owner, name)
        if isinstance(repo, Reply):
            return repo
        sha = repo.resolve(ref)
        if sha is None:
            return self._error(404, "Not Found")
        ticket = secrets.token_urlsafe(16)
        with self._lock:
            self._codeload_tokens[ticket] = (repo.owner, repo.name, sha, self.clock() + 300)
        location = (
            f"{self.url}/_codeload/{repo.owner}/{repo.name}/legacy.tar.gz/{sha}?token={ticket}"
        )
        return Reply(302, b"", {"Location": location}, "text/html;charset=utf-8")

    def _codeload(self, path: str, query: dict[str, str]) -> Reply:
        with self._lock:
            entry = self._codeload_tokens.get(query.get("token", ""))
        # Like codeload's, the link works for a few minutes, for that one archive only.
        if entry is None or not path.endswith(f"/{entry[2]}") or self.clock() > entry[3]:
            return Reply(404, b"404: Not Found", {}, "text/plain; charset=utf-8")
        owner, name, sha, _ = entry
        repo = self.repos[(owner.lower(), name.lower())]
        disposition = f"attachment; filename={owner}-{name}-{sha[:7]}.tar.gz"
        return Reply(
            200, repo.tarball(sha), {"Content-Disposition": disposition}, "application/x-gzip"
        )

    # -- check runs ------------------------------------------------------------------

    def check_runs_on(self, sha: str) -> list[StandinCheckRun]:
        """The check runs created on commit ``sha``, oldest first."""
        with self._lock:
            return sorted(
                (run for run in self.check_runs.values() if run.head_sha == sha),
                key=lambda run: run.id,
            )

    def _create_check_run(
        self, headers: dict[str, str], owner: str, name: str, *, body: bytes
    ) -> Reply:
        repo = self._visible_repo(headers, owner, name)
        if isinstance(repo, Reply):
            return repo
        fields = _json_body(body)
        if fields is None:
            return self._error(400, "Problems parsing JSON")
        sha = str(fields.get("head_sha", ""))
        if sha not in repo.commits:
            return self._json(
                422,
                {
                    "message": f"No commit found for SHA: {sha}",
                    "documentation_url": f"{DOCS}/checks/runs#create-a-check-run",
                    "status": "422",
                },
            )
        run = StandinCheckRun(
            id=next(self._ids),
            owner=repo.owner,
            repo=repo.name,
            head_sha=sha,
            name=str(fields.get("name")),
            status="queued",
            conclusion=None,
            external_id=None,
            details_url=None,
            started_at=_iso(self.clock()),
            completed_at=None,
        )
        self._apply_check_run(run, fields)
        with self._lock:
            self.check_runs[run.id] = run
        return self._json(201, self._check_run_json(run))

    def _update_check_run(
        self, headers: dict[str, str], owner: str, name: str, run_id: str, *, body: bytes
    ) -> Reply:
        repo = self._visible_repo(headers, owner, name)
        if isinstance(repo, Reply):
            return repo
        run = self.check_runs.get(int(run_id))
        if run is None or (run.owner, run.repo) != (repo.owner, repo.name):
            return self._error(404, "Not Found")
        fields = _json_body(body)
        if fields is None:
            return self._error(400, "Problems parsing JSON")
        with self._lock:
            self._apply_check_run(run, fields)
        return self._json(200, self._check_run_json(run))

    def _list_check_runs(self, headers: dict[str, str], owner: str, name: str, ref: str) -> Reply:
        repo = self._visible_repo(headers, owner, name)
        if isinstance(repo, Reply):
            return repo
        sha = repo.resolve(ref)
        runs = [
            run
            for run in self.check_runs_on(sha or "")
            if (run.owner, run.repo) == (repo.owner, repo.name)
        ]
        return self._json(
            200,
            {"total_count": len(runs), "check_runs": [self._check_run_json(r) for r in runs]},
        )

    def _apply_check_run(self, run: StandinCheckRun, fields: dict[str, Any]) -> None:
        run.requests.append(fields)
        for key in ("name", "status", "external_id", "details_url", "started_at"):
            if key in fields:
                setattr(run, key, fields[key])
        if "output" in fields:
            run.output = dict(fields["output"])
        if "conclusion" in fields:
            # GitHub: "Providing conclusion will automatically set the status to completed".
            run.conclusion = fields["conclusion"]
            run.status = "completed"
        if run.status == "completed":
            run.completed_at = fields.get("completed_at") or run.completed_at
            run.completed_at = run.completed_at or _iso(self.clock())

    def _check_run_json(self, run: StandinCheckRun) -> dict[str, Any]:
        api = f"{SPEC_HOST}/repos/{run.owner}/{run.repo}"
        stamp = _iso(COMMIT_TIME.timestamp())
        return {
            "id": run.id,
            "node_id": f"CR_{run.id}",
            "head_sha": run.head_sha,
            "external_id": run.external_id,
            "url": f"{api}/check-runs/{run.id}",
            "html_url": f"https://github.com/{run.owner}/{run.repo}/runs/{run.id}",
            "details_url": run.details_url,
            "status": run.status,
            "conclusion": run.conclusion,
            "started_at": run.started_at,
            "completed_at": run.completed_at,
            "output": {
                "title": run.output.get("title"),
                "summary": run.output.get("summary"),
                "text": run.output.get("text"),
                "annotations_count": 0,
                "annotations_url": f"{api}/check-runs/{run.id}/annotations",
            },
            "name": run.name,
            "check_suite": {"id": run.id + 1},
            "app": {
                "id": self.app_id,
                "slug": "bastion",
                "node_id": f"A_{self.app_id}",
                "client_id": "Iv1.0123456789abcdef",
                "owner": _simple_user("bastion-admin", 4242, "User"),
                "name": "bastion",
                "description": "Self-hosted security scanner",
                "external_url": "https://bastion.example.com",
                "html_url": "https://github.com/apps/bastion",
                "created_at": stamp,
                "updated_at": stamp,
                "permissions": {"checks": "write", "contents": "read", "metadata": "read"},
                "events": ["check_run", "check_suite", "pull_request", "push"],
            },
            "pull_requests": [],
        }

    # -- git data and pull requests (fix pull requests) --------------------------------

    def files_at(self, owner: str, name: str, ref: str) -> dict[str, bytes]:
        """Every file of ``ref`` (a branch, tag or sha) of a repository, by path."""
        repo = self.repos[(owner.lower(), name.lower())]
        sha = repo.resolve(ref) or ref
        tree = self.git_trees[self._tree_of_commit(repo, sha)]
        return {path: self.git_blobs[blob] for path, (_, blob) in tree.items()}

    def pull_requests(self, owner: str, name: str) -> list[StandinPull]:
        with self._lock:
            return list(self.pulls.get((owner.lower(), name.lower()), []))

    def _tree_of_commit(self, repo: StandinRepo, sha: str) -> str:
        if sha in self.git_commits:
            return self.git_commits[sha][0]
        if sha not in self._commit_trees:
            files: dict[str, tuple[str, str]] = {}
            root = repo.commits[sha]
            for path in sorted(root.rglob("*")):
                if path.is_symlink():
                    mode, data = "120000", str(path.readlink()).encode()
                elif path.is_file():
                    mode = "100755" if path.stat().st_mode & 0o100 else "100644"
                    data = path.read_bytes()
                else:
                    continue
                files[path.relative_to(root).as_posix()] = (mode, self._store_blob(data))
            self._commit_trees[sha] = self._store_tree(files)
        return self._commit_trees[sha]

    def _store_blob(self, data: bytes) -> str:
        sha = _git_sha(b"blob", data)
        with self._lock:
            self.git_blobs[sha] = data
        return sha

    def _store_tree(self, files: dict[str, tuple[str, str]]) -> str:
        listing = json.dumps(sorted(files.items())).encode()
        sha = _git_sha(b"tree", listing)
        with self._lock:
            self.git_trees[sha] = dict(files)
        return sha

    def _tree_level(self, files: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
        """The entries of a tree's top level, subdirectories stored as trees of their own."""
        entries: list[dict[str, Any]] = []
        directories: dict[str, dict[str, tuple[str, str]]] = {}
        for path, (mode, blob) in sorted(files.items()):
            head, slash, rest = path.partition("/")
            if slash:
                directories.setdefault(head, {})[rest] = (mode, blob)
            else:
                size = len(self.git_blobs[blob])
                entries.append({"path": path, "mode": mode, "type": "blob", "sha": blob})
                entries[-1]["size"] = size
        for name, inner in directories.items():
            sha = self._store_tree(inner)
            entries.append({"path": name, "mode": "040000", "type": "tree", "sha": sha})
        for entry in entries:
            kind = "blobs" if entry["type"] == "blob" else "trees"
            entry["url"] = f"{SPEC_HOST}/git/{kind}/{entry['sha']}"
        return sorted(entries, key=lambda entry: str(entry["path"]))

    def _write_request(
        self, headers: dict[str, str], owner: str, name: str, permission: str, body: bytes
    ) -> tuple[StandinRepo, dict[str, Any]] | Reply:
        """The repository and JSON body of a write, or GitHub's refusal: 404 for a
        repository out of reach, 403 without ``permission: write``, 400 for a body that is
        not a JSON object."""
        repo = self._visible_repo(headers, owner, name)
        if isinstance(repo, Reply):
            return repo
        refused = self._may_write(headers, permission)
        if refused is not None:
            return refused
        fields = _json_body(body)
        if fields is None:
            return self._error(400, "Problems parsing JSON")
        return repo, fields

    def _may_write(self, headers: dict[str, str], permission: str) -> Reply | None:
        """GitHub's 403 when the App lacks ``permission: write`` on the installation."""
        installation = self._installation_for_token(headers)
        if installation is not None and installation.permissions.get(permission) == "write":
            return None
        return self._error(403, "Resource not accessible by integration")

    def _validation_failed(self, message: str, documentation: str) -> Reply:
        return self._json(422, {"message": message, "documentation_url": f"{DOCS}/{documentation}"})

    def _get_repo(self, headers: dict[str, str], owner: str, name: str) -> Reply:
        repo = self._visible_repo(headers, owner, name)
        if isinstance(repo, Reply):
            return repo
        return self._json(200, self._repository_json(repo, full=True))

    def _get_tree(self, headers: dict[str, str], owner: str, name: str, tree: str) -> Reply:
        repo = self._visible_repo(headers, owner, name)
        if isinstance(repo, Reply):
            return repo
        if tree not in self.git_trees:
            sha = repo.resolve(tree)
            if sha is None or (sha not in repo.commits and sha not in self.git_commits):
                return self._error(404, "Not Found")
            tree = self._tree_of_commit(repo, sha)
        api = f"{SPEC_HOST}/repos/{repo.full_name}/git/trees/{tree}"
        entries = self._tree_level(self.git_trees[tree])
        return self._json(200, {"sha": tree, "url": api, "tree": entries, "truncated": False})

    def _get_blob(self, headers: dict[str, str], owner: str, name: str, sha: str) -> Reply:
        repo = self._visible_repo(headers, owner, name)
        if isinstance(repo, Reply):
            return repo
        data = self.git_blobs.get(sha)
        if data is None:
            return self._error(404, "Not Found")
        encoded = base64.b64encode(data).decode()
        # Like GitHub: base64 in lines of 60 characters.
        content = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"
        return self._json(
            200,
            {
                "sha": sha,
                "node_id": "B_" + sha[:20],
                "size": len(data),
                "url": f"{SPEC_HOST}/repos/{repo.full_name}/git/blobs/{sha}",
                "content": content,
                "encoding": "base64",
            },
        )

    def _get_ref(self, headers: dict[str, str], owner: str, name: str, ref: str) -> Reply:
        repo = self._visible_repo(headers, owner, name)
        if isinstance(repo, Reply):
            return repo
        sha = repo.refs.get(ref)
        if sha is None:
            return self._error(404, "Not Found")
        return self._json(200, self._ref_json(repo, f"refs/{ref}", sha))

    def _create_blob(self, headers: dict[str, str], owner: str, name: str, *, body: bytes) -> Reply:
        write = self._write_request(headers, owner, name, "contents", body)
        if isinstance(write, Reply):
            return write
        repo, fields = write
        if not isinstance(fields.get("content"), str):
            return self._error(400, "Problems parsing JSON")
        content = str(fields["content"])
        encoding = fields.get("encoding", "utf-8")
        try:
            data = base64.b64decode(content, validate=True) if encoding == "base64" else None
        except ValueError:
            data = None
        if encoding == "utf-8":
            data = content.encode()
        if data is None:
            return self._validation_failed("Invalid request.", "git/blobs#create-a-blob")
        sha = self._store_blob(data)
        url = f"{SPEC_HOST}/repos/{repo.full_name}/git/blobs/{sha}"
        reply = self._json(201, {"url": url, "sha": sha})
        reply.headers["Location"] = url
        return reply

    def _create_tree(self, headers: dict[str, str], owner: str, name: str, *, body: bytes) -> Reply:
        write = self._write_request(headers, owner, name, "contents", body)
        if isinstance(write, Reply):
            return write
        repo, fields = write
        if not isinstance(fields.get("tree"), list):
            return self._error(400, "Problems parsing JSON")
        files: dict[str, tuple[str, str]] = {}
        base = fields.get("base_tree")
        if base is not None:
            if base not in self.git_trees:
                return self._validation_failed(
                    "base_tree is not a valid tree", "git/trees#create-a-tree"
                )
            files.update(self.git_trees[str(base)])
        for entry in fields["tree"]:
            path = str(entry.get("path", ""))
            if entry.get("type") != "blob":
                return self._validation_failed(
                    "Only blobs are supported by the stand-in", "git/trees#create-a-tree"
                )
            if "content" in entry:
                blob = self._store_blob(str(entry["content"]).encode())
            elif entry.get("sha") is None:
                files.pop(path, None)
                continue
            else:
                blob = str(entry["sha"])
                if blob not in self.git_blobs:
                    return self._validation_failed(
                        f"tree.sha {blob} is not a valid blob", "git/trees#create-a-tree"
                    )
            files[path] = (str(entry.get("mode", "100644")), blob)
        sha = self._store_tree(files)
        api = f"{SPEC_HOST}/repos/{repo.full_name}/git/trees/{sha}"
        reply = self._json(
            201, {"sha": sha, "url": api, "tree": self._tree_level(files), "truncated": False}
        )
        reply.headers["Location"] = api
        return reply

    def _create_commit(
        self, headers: dict[str, str], owner: str, name: str, *, body: bytes
    ) -> Reply:
        write = self._write_request(headers, owner, name, "contents", body)
        if isinstance(write, Reply):
            return write
        repo, fields = write
        tree, parents = str(fields.get("tree")), [str(p) for p in fields.get("parents", [])]
        if tree not in self.git_trees:
            return self._validation_failed("Tree SHA does not exist", "git/commits")
        for parent in parents:
            if parent not in repo.commits and parent not in self.git_commits:
                return self._validation_failed("Parent SHA does not exist", "git/commits")
        message = str(fields.get("message", ""))
        # GitHub stamps the commit with the time, so identical requests make new commits.
        stamp = f"{tree}\0{parents}\0{message}\0{next(self._ids)}".encode()
        sha = _git_sha(b"commit", stamp)
        with self._lock:
            self.git_commits[sha] = (tree, parents, message)
        reply = self._json(201, self._git_commit_json(repo, sha))
        reply.headers["Location"] = f"{SPEC_HOST}/repos/{repo.full_name}/git/commits/{sha}"
        return reply

    def _create_ref(self, headers: dict[str, str], owner: str, name: str, *, body: bytes) -> Reply:
        write = self._write_request(headers, owner, name, "contents", body)
        if isinstance(write, Reply):
            return write
        repo, fields = write
        ref, sha = str(fields.get("ref", "")), str(fields.get("sha", ""))
        if not ref.startswith("refs/") or ref.count("/") < 2:
            return self._validation_failed(
                f"{ref} is not a valid ref name.", "git/refs#create-a-reference"
            )
        if sha not in repo.commits and sha not in self.git_commits:
            return self._validation_failed("Object does not exist", "git/refs#create-a-reference")
        with self._lock:
            if ref.removeprefix("refs/") in repo.refs:
                exists = True
            else:
                exists = False
                repo.refs[ref.removeprefix("refs/")] = sha
        if exists:
            return self._validation_failed(
                "Reference already exists", "git/refs#create-a-reference"
            )
        reply = self._json(201, self._ref_json(repo, ref, sha))
        reply.headers["Location"] = f"{SPEC_HOST}/repos/{repo.full_name}/git/{ref}"
        return reply

    def _create_pull(self, headers: dict[str, str], owner: str, name: str, *, body: bytes) -> Reply:
        write = self._write_request(headers, owner, name, "pull_requests", body)
        if isinstance(write, Reply):
            return write
        repo, fields = write
        head, base = str(fields.get("head", "")), str(fields.get("base", ""))
        head_sha, base_sha = repo.refs.get(f"heads/{head}"), repo.refs.get(f"heads/{base}")
        if head_sha is None or base_sha is None:
            return self._validation_failed("Validation Failed", "pulls/pulls#create-a-pull-request")
        key = (repo.owner.lower(), repo.name.lower())
        with self._lock:
            pulls = self.pulls.setdefault(key, [])
            if any(p.head == head for p in pulls):
                duplicate = True
            else:
                duplicate = False
                body_text = fields.get("body")
                pull = StandinPull(
                    number=len(pulls) + 1,
                    owner=repo.owner,
                    repo=repo.name,
                    title=str(fields.get("title", "")),
                    body=None if body_text is None else str(body_text),
                    head=head,
                    base=base,
                    head_sha=head_sha,
                    base_sha=base_sha,
                    created_at=_iso(self.clock()),
                )
                pulls.append(pull)
        if duplicate:
            return self._validation_failed(
                f"A pull request already exists for {repo.owner}:{head}.",
                "pulls/pulls#create-a-pull-request",
            )
        reply = self._json(201, self._pull_json(repo, pull))
        reply.headers["Location"] = f"{SPEC_HOST}/repos/{repo.full_name}/pulls/{pull.number}"
        return reply

    def _get_pull(self, headers: dict[str, str], owner: str, name: str, number: str) -> Reply:
        repo = self._visible_repo(headers, owner, name)
        if isinstance(repo, Reply):
            return repo
        for pull in self.pull_requests(repo.owner, repo.name):
            if pull.number == int(number):
                return self._json(200, self._pull_json(repo, pull))
        return self._error(404, "Not Found")

    def _ref_json(self, repo: StandinRepo, ref: str, sha: str) -> dict[str, Any]:
        api = f"{SPEC_HOST}/repos/{repo.full_name}/git"
        return {
            "ref": ref,
            "node_id": "REF_" + sha[:16],
            "url": f"{api}/{ref}",
            "object": {"type": "commit", "sha": sha, "url": f"{api}/commits/{sha}"},
        }

    def _git_commit_json(self, repo: StandinRepo, sha: str) -> dict[str, Any]:
        tree, parents, message = self.git_commits[sha]
        api = f"{SPEC_HOST}/repos/{repo.full_name}"
        person = {"name": "bastion[bot]", "email": "bot@example.com", "date": _iso(self.clock())}
        return {
            "sha": sha,
            "node_id": "C_" + sha[:20],
            "url": f"{api}/git/commits/{sha}",
            "html_url": f"https://github.com/{repo.full_name}/commit/{sha}",
            "author": person,
            "committer": person,
            "message": message,
            "tree": {"sha": tree, "url": f"{api}/git/trees/{tree}"},
            "parents": [
                {
                    "sha": parent,
                    "url": f"{api}/git/commits/{parent}",
                    "html_url": f"https://github.com/{repo.full_name}/commit/{parent}",
                }
                for parent in parents
            ],
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        }

    def _pull_json(self, repo: StandinRepo, pull: StandinPull) -> dict[str, Any]:
        api = f"{SPEC_HOST}/repos/{repo.full_name}"
        html = f"https://github.com/{repo.full_name}/pull/{pull.number}"
        owner = _simple_user(repo.owner, repo.id + 1, "Organization")

        def side(branch: str, sha: str) -> dict[str, Any]:
            return {
                "label": f"{repo.owner}:{branch}",
                "ref": branch,
                "sha": sha,
                "repo": self._repository_json(repo),
                "user": owner,
            }

        links = {
            "self": f"{api}/pulls/{pull.number}",
            "html": html,
            "issue": f"{api}/issues/{pull.number}",
            "comments": f"{api}/issues/{pull.number}/comments",
            "review_comments": f"{api}/pulls/{pull.number}/comments",
            "review_comment": f"{api}/pulls/comments{{/number}}",
            "commits": f"{api}/pulls/{pull.number}/commits",
            "statuses": f"{api}/statuses/{pull.head_sha}",
        }
        return {
            "url": links["self"],
            "id": repo.id * 1000 + pull.number,
            "node_id": f"PR_{repo.id}_{pull.number}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": links["issue"],
            "commits_url": links["commits"],
            "review_comments_url": links["review_comments"],
            "review_comment_url": links["review_comment"],
            "comments_url": links["comments"],
            "statuses_url": links["statuses"],
            "number": pull.number,
            "state": "open",
            "locked": False,
            "title": pull.title,
            # An App's bot: its URLs carry the login percent-encoded, as GitHub's do.
            "user": {
                **_simple_user(quote("bastion[bot]"), 9_000_001, "Bot"),
                "login": "bastion[bot]",
            },
            "body": pull.body,
            "labels": [],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": pull.created_at,
            "updated_at": pull.created_at,
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": side(pull.head, pull.head_sha),
            "base": side(pull.base, pull.base_sha),
            "_links": {key: {"href": href} for key, href in links.items()},
            "author_association": "NONE",
            "auto_merge": None,
            "draft": False,
            "merged": False,
            "mergeable": None,
            "rebaseable": None,
            "mergeable_state": "unknown",
            "merged_by": None,
            "comments": 0,
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": 1,
            "additions": 0,
            "deletions": 0,
            "changed_files": 0,
        }

    def _repository_json(self, repo: StandinRepo, *, full: bool = False) -> dict[str, Any]:
        api = f"{SPEC_HOST}/repos/{repo.full_name}"
        html = f"https://github.com/{repo.full_name}"
        stamp = _iso(COMMIT_TIME.timestamp())
        templated = {
            "archive_url": "{archive_format}{/ref}",
            "assignees_url": "assignees{/user}",
            "blobs_url": "git/blobs{/sha}",
            "branches_url": "branches{/branch}",
            "collaborators_url": "collaborators{/collaborator}",
            "comments_url": "comments{/number}",
            "commits_url": "commits{/sha}",
            "compare_url": "compare/{base}...{head}",
            "contents_url": "contents/{+path}",
            "git_commits_url": "git/commits{/sha}",
            "git_refs_url": "git/refs{/sha}",
            "git_tags_url": "git/tags{/sha}",
            "issue_comment_url": "issues/comments{/number}",
            "issue_events_url": "issues/events{/number}",
            "issues_url": "issues{/number}",
            "keys_url": "keys{/key_id}",
            "labels_url": "labels{/name}",
            "milestones_url": "milestones{/number}",
            "notifications_url": "notifications{?since,all,participating}",
            "pulls_url": "pulls{/number}",
            "releases_url": "releases{/id}",
            "statuses_url": "statuses/{sha}",
            "trees_url": "git/trees{/sha}",
        }
        plain = (
            *("contributors", "deployments", "downloads", "events", "forks", "hooks"),
            *("languages", "merges", "stargazers", "subscribers", "subscription", "tags"),
            "teams",
        )
        body: dict[str, Any] = {
            "id": repo.id,
            "node_id": f"R_{repo.id}",
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": _simple_user(repo.owner, repo.id + 1, "Organization"),
            "private": True,
            "html_url": html,
            "description": None,
            "fork": False,
            "url": api,
            **{key: f"{api}/{path}" for key, path in templated.items()},
            **{f"{key}_url": f"{api}/{key}" for key in plain},
            "git_url": f"git://github.com/{repo.full_name}.git",
            "ssh_url": f"git@github.com:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": None,
            "forks_count": 0,
            "forks": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "watchers": 0,
            "size": 1,
            "default_branch": repo.default_branch,
            "open_issues_count": 0,
            "open_issues": 0,
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "license": None,
            "pushed_at": stamp,
            "created_at": stamp,
            "updated_at": stamp,
        }
        if full:
            body.update({"subscribers_count": 0, "network_count": 0})
        return body

    # -- JSON shapes -----------------------------------------------------------------

    def _json(self, status: int, body: dict[str, Any]) -> Reply:
        return Reply(status, json.dumps(body).encode(), {}, "application/json; charset=utf-8")

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
        reply = self._json(
            status, {"message": message, "documentation_url": DOCS, "status": str(status)}
        )
        reply.headers.update(headers or {})
        return reply

    def _installation_json(self, installation: StandinInstallation) -> dict[str, Any]:
        stamp = _iso(COMMIT_TIME.timestamp())
        return {
            "id": installation.id,
            "account": _simple_user(
                installation.account, installation.account_id, installation.account_type
            ),
            "repository_selection": installation.repository_selection,
            "access_tokens_url": f"{SPEC_HOST}/app/installations/{installation.id}/access_tokens",
            "repositories_url": f"{SPEC_HOST}/installation/repositories",
            "html_url": f"https://github.com/organizations/{installation.account}/settings/"
            f"installations/{installation.id}",
            "app_id": self.app_id,
            "client_id": "Iv1.0123456789abcdef",
            "target_id": installation.account_id,
            "target_type": installation.account_type,
            "permissions": installation.permissions,
            "events": ["pull_request", "push", "check_run", "check_suite"],
            "created_at": stamp,
            "updated_at": stamp,
            "single_file_name": None,
            "app_slug": "bastion",
            "suspended_by": None,
            "suspended_at": stamp if installation.suspended else None,
        }

    def _commit_json(self, repo: StandinRepo, sha: str) -> dict[str, Any]:
        api = f"{SPEC_HOST}/repos/{repo.full_name}"
        person = {"name": "Octo Cat", "email": "octocat@example.com", "date": _iso(0)}
        return {
            "url": f"{api}/commits/{sha}",
            "sha": sha,
            "node_id": "C_" + sha[:20],
            "html_url": f"https://github.com/{repo.full_name}/commit/{sha}",
            "comments_url": f"{api}/commits/{sha}/comments",
            "commit": {
                "url": f"{api}/git/commits/{sha}",
                "author": {**person, "date": _iso(COMMIT_TIME.timestamp())},
                "committer": {**person, "date": _iso(COMMIT_TIME.timestamp())},
                "message": "Commit",
                "comment_count": 0,
                "tree": {"sha": sha[::-1], "url": f"{api}/git/trees/{sha[::-1]}"},
            },
            "author": _simple_user("octocat", 583231, "User"),
            "committer": _simple_user("octocat", 583231, "User"),
            "parents": [],
            "stats": {"additions": 0, "deletions": 0, "total": 0},
            "files": [],
        }


def _simple_user(login: str, user_id: int, kind: str) -> dict[str, Any]:
    api = f"{SPEC_HOST}/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": f"O_{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": kind,
        "site_admin": False,
    }


def _git_sha(kind: bytes, data: bytes) -> str:
    """Git's object id: sha1 of "<kind> <size>\0" and the content."""
    header = kind + b" " + str(len(data)).encode() + b"\0"
    return hashlib.sha1(header + data, usedforsecurity=False).hexdigest()


def _json_body(body: bytes) -> dict[str, Any] | None:
    try:
        fields = json.loads(body)
    except ValueError:
        return None
    return fields if isinstance(fields, dict) else None


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the server ----------------------------------------------------------------------


def _handler_for(standin: GitHubStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, like GitHub: the client's connection pool is part of what is tested.
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply, fault = standin.handle(method, self.path, headers, body)
            if fault is not None and fault.disconnect:
                self.close_connection = True
                return
            self.send_response(reply.status)
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if fault is not None and fault.truncate:
                self.wfile.write(reply.body[: len(reply.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(reply.body)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_standin(standin: GitHubStandin) -> Iterator[GitHubStandin]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(standin))
    server.daemon_threads = True
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval: shutdown() waits for it, once per test.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()


APP_ID = 424242


@pytest.fixture(scope="session")
def github_app_key() -> rsa.RSAPrivateKey:
    """A throwaway App key, generated per test session and never written anywhere."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def github_standin(github_app_key: rsa.RSAPrivateKey) -> Iterator[GitHubStandin]:
    standin = GitHubStandin(APP_ID, github_app_key.public_key())
    with running_standin(standin):
        yield standin
    assert not standin.violations, (
        "the GitHub stand-in saw requests or answers outside GitHub's OpenAPI description:\n"
        + "\n".join(standin.violations)
    )

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
* the codeload download path is outside the API and not validated.
"""

from __future__ import annotations

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

    # -- set-up ----------------------------------------------------------------------

    def add_installation(
        self,
        installation_id: int,
        account: str,
        *,
        repositories: set[str] | None = None,
        account_type: str = "Organization",
    ) -> StandinInstallation:
        """An installation on ``account``: all its repositories, or only ``repositories``."""
        installation = StandinInstallation(
            installation_id,
            account,
            next(self._ids),
            account_type,
            "all" if repositories is None else "selected",
            set(repositories or ()),
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
        repo = StandinRepo(next(self._ids), owner, name)
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
                "permissions": {"contents": "read", "metadata": "read", "checks": "write"},
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
            "permissions": {"contents": "read", "metadata": "read", "checks": "write"},
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

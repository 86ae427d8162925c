"""The GitHub REST calls a scan needs, with retries, rate-limit handling and error mapping.

Rules:

* 5xx answers and network failures (refused, reset, timed out) are retried with
  exponential backoff, ``max_attempts`` tries in all, then :class:`GitHubUnavailable`.
* Rate limits: a 403/429 with ``retry-after``, or with ``x-ratelimit-remaining: 0`` and
  ``x-ratelimit-reset``, or a 429 / "secondary rate limit" message without either (GitHub
  asks for at least a minute then) is waited out when the wait is at most
  ``max_rate_limit_wait`` seconds, otherwise :class:`GitHubRateLimited` carries the wait.
* A 401 on an installation token drops it from the cache and retries once with a new one.
* Every answer (or network failure) is counted per operation in :class:`ApiCallCounter`.

Deciding what a 404 means: for an App, a missing repository and one the App is not
installed on look the same. :meth:`GitHubClient.check_installation` tells them apart as
far as GitHub lets it: the repository's installation is a different one, the installation
belongs to another account, or it only covers selected repositories → not installed
(``invalid_installation``); the installation covers all of the owner's repositories →
the repository does not exist (``repo_not_found``).
"""

from __future__ import annotations

import logging
import os
import random
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, urljoin

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from bastion import __version__
from bastion.github.app import (
    TOKEN_REFRESH_MARGIN_SECONDS,
    AppAuth,
    Clock,
    InstallationToken,
    TokenCache,
)
from bastion.github.archive import (
    DEFAULT_LIMITS,
    ArchiveError,
    ArchiveLimitExceeded,
    ArchiveLimits,
    ExtractionReport,
    extract_tarball,
)
from bastion.github.errors import (
    GitHubAuthFailed,
    GitHubError,
    GitHubRateLimited,
    GitHubUnavailable,
    InvalidInstallation,
    RepoNotFound,
    RepoTooLarge,
)
from bastion.github.metrics import NETWORK_ERROR, ApiCallCounter
from bastion.github.settings import DEFAULT_API_URL, GitHubSettings

logger = logging.getLogger(__name__)

API_VERSION = "2022-11-28"
# GitHub asks clients to wait at least this long after a secondary limit without a hint.
SECONDARY_LIMIT_WAIT = 60.0

_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
# git check-ref-format's rules, which also keep a ref from rewriting the URL path.
_BAD_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|(^|/)\.|\.\.|//|@\{|/$|\.$|\.lock$|^@$|^[-/]")


@dataclass(frozen=True)
class ClientOptions:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    # Random spread of each backoff (fraction), so retrying workers do not move in step.
    jitter: float = 0.2
    max_rate_limit_wait: float = 60.0
    max_rate_limit_waits: int = 3
    token_refresh_margin: float = TOKEN_REFRESH_MARGIN_SECONDS
    max_tarball_bytes: int = 512 * 1024 * 1024
    user_agent: str = f"bastion/{__version__}"


@dataclass(frozen=True)
class Checkout:
    owner: str
    repo: str
    sha: str
    path: Path
    report: ExtractionReport = field(repr=False)


class _Retry(Exception):
    """The download failed in a way that a fresh attempt may fix."""


class GitHubClient:
    """GitHub App access for one App. Thread-safe; one instance per process is enough."""

    def __init__(
        self,
        app_id: int,
        private_key: RSAPrivateKey | bytes | str,
        *,
        api_url: str = DEFAULT_API_URL,
        options: ClientOptions = ClientOptions(),
        counter: ApiCallCounter | None = None,
        clock: Clock = time.time,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.auth = AppAuth(app_id, private_key, clock=clock)
        self.options = options
        self.counter = counter if counter is not None else ApiCallCounter()
        self.tokens = TokenCache(clock=clock, refresh_margin=options.token_refresh_margin)
        self._clock = clock
        self._sleep = sleep
        self._random = random.Random()
        self._http = httpx.Client(
            base_url=api_url.rstrip("/") + "/",
            timeout=httpx.Timeout(options.read_timeout, connect=options.connect_timeout),
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": options.user_agent,
            },
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: GitHubSettings, **kwargs: Any) -> GitHubClient:
        """Raises :class:`~bastion.github.settings.GitHubConfigError` listing the problems."""
        credentials = settings.credentials()
        return cls(
            credentials.app_id,
            credentials.private_key,
            api_url=settings.resolved_api_url(),
            **kwargs,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- authentication -------------------------------------------------------------

    def installation_token(self, installation_id: int) -> InstallationToken:
        """A cached or new access token for the installation."""
        _check_installation_id(installation_id)
        return self.tokens.get(installation_id, self._create_token)

    def _create_token(self, installation_id: int) -> InstallationToken:
        response = self._request(
            "create_installation_token",
            "POST",
            f"app/installations/{installation_id}/access_tokens",
            auth=self._jwt_header,
        )
        if response.status_code == 201:
            body = _json(response)
            try:
                token = str(body["token"])
                expires_at = datetime.fromisoformat(str(body["expires_at"])).timestamp()
            except (KeyError, TypeError, ValueError) as exc:
                raise GitHubUnavailable(detail="malformed installation token answer") from exc
            return InstallationToken(installation_id, token, expires_at)
        message = _message(response)
        if response.status_code == 401:
            raise _auth_failed(message)
        if response.status_code in (403, 404, 422):
            # 404: no such installation of this App; 403: suspended.
            raise InvalidInstallation(detail=f"installation {installation_id}: {message}")
        raise _unexpected("create_installation_token", response)

    def _jwt_header(self) -> str:
        return f"Bearer {self.auth.jwt()}"

    # -- repository access ----------------------------------------------------------

    def check_installation(self, installation_id: int, owner: str, repo: str) -> None:
        """Raise unless ``installation_id`` is this App's installation on ``owner/repo``."""
        _check_installation_id(installation_id)
        _check_names(owner, repo)
        response = self._request(
            "get_repo_installation",
            "GET",
            f"repos/{owner}/{repo}/installation",
            auth=self._jwt_header,
        )
        if response.status_code == 200:
            found = _json(response).get("id")
            if found != installation_id:
                raise InvalidInstallation(
                    detail=f"{owner}/{repo} belongs to installation {found}, not {installation_id}"
                )
            return
        if response.status_code == 401:
            raise _auth_failed(_message(response))
        if response.status_code != 404:
            raise _unexpected("get_repo_installation", response)
        installation = self._get_installation(installation_id)
        account = installation.get("account") or {}
        login = str(account.get("login") or account.get("slug") or "")
        if login.lower() != owner.lower():
            raise InvalidInstallation(
                detail=f"installation {installation_id} belongs to {login or 'another account'}, "
                f"not {owner}"
            )
        if installation.get("repository_selection") == "selected":
            raise InvalidInstallation(
                detail=f"installation {installation_id} does not include {owner}/{repo}"
            )
        raise RepoNotFound(detail=f"{owner}/{repo} does not exist")

    def _get_installation(self, installation_id: int) -> dict[str, Any]:
        response = self._request(
            "get_installation", "GET", f"app/installations/{installation_id}", auth=self._jwt_header
        )
        if response.status_code == 200:
            return _json(response)
        if response.status_code == 401:
            raise _auth_failed(_message(response))
        if response.status_code == 404:
            raise InvalidInstallation(detail=f"installation {installation_id} does not exist")
        raise _unexpected("get_installation", response)

    def resolve_ref(self, installation_id: int, owner: str, repo: str, ref: str) -> str:
        """The full commit sha of a branch, tag or (abbreviated) sha."""
        _check_names(owner, repo)
        _check_ref(ref)
        with self._installation_request(
            installation_id,
            "get_commit",
            "GET",
            f"repos/{owner}/{repo}/commits/{quote(ref, safe='/')}",
            # Only the sha: the full JSON carries the diff and can run to megabytes.
            headers={"Accept": "application/vnd.github.sha"},
            stream=False,
        ) as response:
            if response.status_code == 200:
                sha = response.text.strip()
                if not _SHA.fullmatch(sha):
                    raise GitHubUnavailable(detail=f"unexpected commit sha {sha[:80]!r}")
                return sha
            if response.status_code == 404:
                raise RepoNotFound(detail=f"{owner}/{repo} is not visible to the installation")
            if response.status_code in (409, 422):
                # 422 "No commit found for SHA", 409 "Git Repository is empty".
                raise RepoNotFound(
                    detail=f"ref {ref!r} not found in {owner}/{repo}: {_message(response)}"
                )
            raise _unexpected("get_commit", response)

    def download_tarball(
        self, installation_id: int, owner: str, repo: str, ref: str, directory: Path | None = None
    ) -> Path:
        """Download the ``.tar.gz`` of ``ref`` into a new file in ``directory`` (or $TMPDIR).

        The caller deletes the file. Raises :class:`RepoTooLarge` beyond
        ``options.max_tarball_bytes``.
        """
        _check_names(owner, repo)
        _check_ref(ref)
        for attempt in range(1, self.options.max_attempts + 1):
            try:
                return self._download_once(installation_id, owner, repo, ref, directory)
            except (_Retry, httpx.TransportError) as exc:
                if attempt == self.options.max_attempts:
                    raise GitHubUnavailable(detail=f"tarball download failed: {exc}") from exc
                self._sleep(self._backoff(attempt))
        raise AssertionError("unreachable")

    def _download_once(
        self, installation_id: int, owner: str, repo: str, ref: str, directory: Path | None
    ) -> Path:
        with self._installation_request(
            installation_id,
            "download_tarball",
            "GET",
            f"repos/{owner}/{repo}/tarball/{quote(ref, safe='/')}",
        ) as response:
            if response.status_code in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise GitHubUnavailable(detail="tarball redirect without a Location")
                # The codeload URL carries its own short-lived token: send it no credentials.
                url = urljoin(str(response.request.url), location)
                with self._stream("download_tarball_archive", url) as archive:
                    return self._save_archive(archive, owner, repo, directory)
            if response.status_code == 200:
                return self._save_archive(response, owner, repo, directory)
            response.read()
            if response.status_code in (404, 422):
                raise RepoNotFound(detail=f"no tarball of {ref!r} in {owner}/{repo}")
            raise _unexpected("download_tarball", response)

    @contextmanager
    def _stream(self, operation: str, url: str) -> Iterator[httpx.Response]:
        response = self._request(operation, "GET", url, auth=None, stream=True)
        try:
            yield response
        finally:
            response.close()

    def _save_archive(
        self, response: httpx.Response, owner: str, repo: str, directory: Path | None
    ) -> Path:
        if response.status_code in (403, 404, 410):
            # The redirect's short-lived download link expired: ask for a new one.
            response.read()
            raise _Retry(f"download link answered HTTP {response.status_code}")
        if response.status_code != 200:
            response.read()
            raise _unexpected("download_tarball_archive", response)
        cap = self.options.max_tarball_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise RepoTooLarge(detail=f"{owner}/{repo} archive is {declared} bytes, over {cap}")
        fd, name = tempfile.mkstemp(prefix=f"{owner}-{repo}-", suffix=".tar.gz", dir=directory)
        path = Path(name)
        try:
            size = 0
            with os.fdopen(fd, "wb") as out:
                for chunk in response.iter_bytes(1024 * 1024):
                    size += len(chunk)
                    if size > cap:
                        raise RepoTooLarge(detail=f"{owner}/{repo} archive exceeds {cap} bytes")
                    out.write(chunk)
        except httpx.TransportError as exc:
            path.unlink(missing_ok=True)
            raise _Retry(f"{exc.__class__.__name__}: {exc}") from exc
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path

    def checkout(
        self,
        installation_id: int,
        owner: str,
        repo: str,
        ref: str,
        dest: Path,
        *,
        sha: str | None = None,
        limits: ArchiveLimits = DEFAULT_LIMITS,
    ) -> Checkout:
        """Check the installation, resolve ``sha`` (default: head of ``ref``), download and
        safely extract the tree into ``dest``."""
        self.check_installation(installation_id, owner, repo)
        resolved = self.resolve_ref(installation_id, owner, repo, sha or ref)
        with tempfile.TemporaryDirectory(prefix="bastion-tarball-") as tmp:
            archive = self.download_tarball(installation_id, owner, repo, resolved, Path(tmp))
            try:
                report = extract_tarball(archive, dest, limits)
            except ArchiveLimitExceeded as exc:
                raise RepoTooLarge(detail=f"{owner}/{repo}@{resolved[:12]}: {exc}") from exc
            except ArchiveError as exc:
                raise GitHubUnavailable(detail=f"unreadable archive: {exc}") from exc
        return Checkout(owner, repo, resolved, dest, report)

    # -- HTTP plumbing --------------------------------------------------------------

    @contextmanager
    def _installation_request(
        self,
        installation_id: int,
        operation: str,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        stream: bool = True,
        json: Any = None,
    ) -> Iterator[httpx.Response]:
        """A request with the installation's token, renewed once on a 401; ``json`` is
        the body of a write (git data, pull requests, check runs)."""
        for renewed in (False, True):
            token = self.installation_token(installation_id)
            response = self._request(
                operation,
                method,
                path,
                auth=_token_auth(token.token),
                headers=headers,
                stream=stream,
                json=json,
            )
            if response.status_code == 401:
                response.close()
                self.tokens.invalidate(installation_id, token.token)
                if renewed:
                    raise InvalidInstallation(
                        detail=f"installation {installation_id}: token refused: "
                        f"{_message(response)}"
                    )
                continue
            try:
                yield response
            finally:
                response.close()
            return

    def _request(
        self,
        operation: str,
        method: str,
        url: str,
        *,
        auth: Callable[[], str] | None,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        json: Any = None,
    ) -> httpx.Response:
        """Send with retries; returns any answer that is neither 5xx nor a rate limit."""
        attempt = 0
        limit_waits = 0
        while True:
            attempt += 1
            request_headers = dict(headers or {})
            if auth is not None:
                # Rebuilt per attempt: a JWT signed before a long wait may have expired.
                request_headers["Authorization"] = auth()
            request = self._http.build_request(method, url, headers=request_headers, json=json)
            try:
                response = self._http.send(request, stream=stream, follow_redirects=False)
                if stream and response.status_code in (401, 403, 404, 429):
                    # Small error bodies, read inside the retry loop: a broken read is retried.
                    response.read()
            except httpx.TransportError as exc:
                self.counter.record(operation, NETWORK_ERROR)
                logger.info("GitHub %s: %s (attempt %d)", operation, exc, attempt)
                if attempt >= self.options.max_attempts:
                    raise GitHubUnavailable(
                        detail=f"{operation}: {exc.__class__.__name__}: {exc}"
                    ) from exc
                self._sleep(self._backoff(attempt))
                continue
            self.counter.record(operation, str(response.status_code))
            wait = self._rate_limit_wait(response)
            if wait is not None:
                response.close()
                if wait > self.options.max_rate_limit_wait:
                    raise GitHubRateLimited(
                        detail=f"{operation}: rate limited for {wait:.0f} s, over the "
                        f"{self.options.max_rate_limit_wait:.0f} s we wait",
                        retry_after=wait,
                    )
                if limit_waits >= self.options.max_rate_limit_waits:
                    raise GitHubRateLimited(
                        detail=f"{operation}: still rate limited after {limit_waits} waits",
                        retry_after=wait,
                    )
                limit_waits += 1
                logger.info("GitHub %s: rate limited, waiting %.1f s", operation, wait)
                self._sleep(wait)
                continue
            if response.status_code >= 500:
                response.close()
                logger.info(
                    "GitHub %s: HTTP %d (attempt %d)", operation, response.status_code, attempt
                )
                if attempt >= self.options.max_attempts:
                    raise GitHubUnavailable(
                        detail=f"{operation}: GitHub answered HTTP {response.status_code} "
                        f"{attempt} times"
                    )
                self._sleep(self._backoff(attempt))
                continue
            return response

    def _backoff(self, attempt: int) -> float:
        delay: float = min(
            self.options.backoff_max, self.options.backoff_base * 2.0 ** (attempt - 1)
        )
        spread = delay * self.options.jitter
        return max(0.0, delay + self._random.uniform(-spread, spread))

    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait when ``response`` is a rate-limit refusal, else None."""
        if response.status_code not in (403, 429):
            return None
        headers = response.headers
        retry_after = _parse_retry_after(headers.get("retry-after"), self._clock())
        if retry_after is not None:
            return retry_after
        if headers.get("x-ratelimit-remaining") == "0":
            reset = headers.get("x-ratelimit-reset", "")
            if reset.isdigit():
                # The reset is a whole second: one more keeps us from arriving early.
                return max(0.0, int(reset) - self._clock()) + 1.0
            return SECONDARY_LIMIT_WAIT
        if response.status_code == 429:
            return SECONDARY_LIMIT_WAIT
        if "rate limit" in _message(response).lower():
            return SECONDARY_LIMIT_WAIT
        return None


def _parse_retry_after(value: str | None, now: float) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return SECONDARY_LIMIT_WAIT
    return max(0.0, when - now)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise GitHubUnavailable(detail="GitHub answered something that is not JSON") from exc
    if not isinstance(body, dict):
        raise GitHubUnavailable(detail="GitHub answered an unexpected JSON shape")
    return body


def _message(response: httpx.Response) -> str:
    """GitHub's own error message, or the start of whatever the body was."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip() or f"HTTP {response.status_code}"
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return f"HTTP {response.status_code}"


def _token_auth(token: str) -> Callable[[], str]:
    return lambda: f"token {token}"


def _auth_failed(message: str) -> GitHubError:
    return GitHubAuthFailed(
        detail=f"{message} (check GITHUB_APP_ID and GITHUB_PRIVATE_KEY, and the server clock)"
    )


def _unexpected(operation: str, response: httpx.Response) -> GitHubError:
    return GitHubUnavailable(
        detail=f"{operation}: unexpected HTTP {response.status_code}: {_message(response)}"
    )


def _check_installation_id(installation_id: int) -> None:
    if isinstance(installation_id, bool) or not isinstance(installation_id, int):
        raise InvalidInstallation(detail=f"installation id {installation_id!r} is not an integer")
    if installation_id <= 0:
        raise InvalidInstallation(detail=f"installation id {installation_id} is not positive")


def _check_names(owner: str, repo: str) -> None:
    # Checked before they go into a URL path: "a/../../app" must never reach GitHub.
    for name in (owner, repo):
        if not _NAME.fullmatch(name) or name in (".", ".."):
            raise RepoNotFound(detail=f"{name!r} is not a valid GitHub owner or repository name")


def _check_ref(ref: str) -> None:
    if not ref or len(ref) > 255 or _BAD_REF.search(ref):
        raise RepoNotFound(detail=f"{ref!r} is not a valid git ref")

"""The one way the app scanner talks to its target: polite, bounded, and never surprised.

Every request of a scan (crawler and active rules alike) goes through one
:class:`TargetClient`, so one place enforces concurrency, the request rate, retries, the
response-size cap and the request/time budgets. Redirects are never followed here: the
crawler follows them itself (within scope), and probes must see the 3xx they caused.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Self

import httpx

from bastion.dast.crawler.errors import ClientStopped, TargetError
from bastion.dast.crawler.pinning import PinnedNetworkBackend, PinnedTransport, refused_by_policy
from bastion.dast.model import Exchange, HttpRequest, HttpResponse, ScanStats
from bastion.dast.options import DastOptions

logger = logging.getLogger(__name__)

# Statuses that mean "not now": retried with backoff (Retry-After when the target sends it).
RETRY_STATUSES = frozenset({429, 503})
# The target (or the proxy in front of it) saying it cannot serve: the scan's doing or
# not, going on would only add to the load.
UNAVAILABLE_STATUSES = frozenset({502, 503, 504})
_ERROR_FACTOR = 10
BACKOFF_BASE = 0.5  # seconds before the first retry; doubles per attempt
MAX_BACKOFF = 8.0
# A target asking for a longer pause than this gets this long: a scan has a time budget.
MAX_RETRY_AFTER = 30.0


class _TransportFailure(Exception):
    """An attempt that got no response (connection refused, reset, timeout)."""


class TargetClient:
    """``send`` one request at a time from any number of tasks; the client queues them.

    ``deadline`` is a ``time.monotonic()`` value after which every request is refused.
    When the client stops (budget, deadline, target failing) it records the reason in
    ``stats.stop_reason`` and raises :class:`ClientStopped` from then on.
    """

    def __init__(
        self,
        options: DastOptions,
        *,
        stats: ScanStats,
        observer: Callable[[Exchange], None] | None = None,
        deadline: float | None = None,
    ) -> None:
        self._options = options
        self._stats = stats
        self._observer = observer
        self._deadline = deadline
        self._semaphore = asyncio.Semaphore(max(1, options.concurrency))
        rate = options.requests_per_second
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next_slot = 0.0
        self._sent = 0
        self._consecutive_failures = 0
        self._consecutive_errors = 0
        self._stopped: str | None = None
        connections = max(1, options.concurrency)
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        # Server-side scans: every connection opens to an address the policy checked.
        transport = (
            None
            if options.connect_policy is None
            else PinnedTransport(PinnedNetworkBackend(options.connect_policy), limits=limits)
        )
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            # Staging targets often have self-signed certificates; a scanner must still
            # reach them (ZAP and wapiti do the same).
            verify=False,
            # No proxies or .netrc credentials picked up from the environment: the scan
            # sends exactly what the options say.
            trust_env=False,
            timeout=httpx.Timeout(options.timeout),
            limits=limits,
            # Cookies travel in HttpRequest.cookies only; httpx must not keep its own jar.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
            event_hooks={"response": [_shield_unparsable_location]},
        )

    @property
    def stopped(self) -> str | None:
        """Why the client refuses requests, or None while it accepts them."""
        return self._stopped

    @property
    def sent(self) -> int:
        """Attempts sent so far, retries included (what ``max_requests`` bounds)."""
        return self._sent

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` once (plus retries) and return what came back, redirects
        included. Raises :class:`ClientStopped` when no more requests may be sent and
        :class:`TargetError` when the request got no response after its retries or cannot
        be sent at all (malformed URL or header)."""
        outgoing = self._build(request)
        attempt = 0
        while True:
            try:
                response = await self._attempt(outgoing, request)
            except _TransportFailure as exc:
                self._failed(str(exc))
                if attempt < self._options.retries and self._stopped is None:
                    attempt += 1
                    self._stats.retries += 1
                    await self._sleep(_backoff(attempt))
                    continue
                self._stats.errors += 1
                if self._stopped is not None:
                    raise ClientStopped(self._stopped) from exc
                raise TargetError(f"{request.method} {request.url}", detail=str(exc)) from exc
            if response.status in UNAVAILABLE_STATUSES:
                self._failed(f"HTTP {response.status}")
            elif response.status >= 500:
                self._errored(response.status)
            else:
                self._consecutive_failures = 0
                self._consecutive_errors = 0
            if (
                response.status in RETRY_STATUSES
                and attempt < self._options.retries
                and self._stopped is None
            ):
                attempt += 1
                self._stats.retries += 1
                await self._sleep(_retry_delay(response, attempt))
                continue
            if self._observer is not None:
                self._observer(Exchange(request, response))
            return response

    def _build(self, request: HttpRequest) -> httpx.Request:
        headers: list[tuple[bytes, bytes]] = []
        names: set[str] = set()
        cookie_header = ""
        for name, value in request.headers:
            if name.lower() == "cookie":
                cookie_header = value
                continue
            headers.append((_encode(name), _encode(value)))
            names.add(name.lower())
        for name, value in self._options.headers:
            if name.lower() not in names:
                headers.append((_encode(name), _encode(value)))
                names.add(name.lower())
        if "user-agent" not in names:
            headers.append((b"User-Agent", _encode(self._options.user_agent)))
        if request.content_type and "content-type" not in names:
            headers.append((b"Content-Type", _encode(request.content_type)))
        # The request's own cookies win over the static ones: probes inject into them.
        cookie_names = {name for name, _ in request.cookies}
        pairs = [*request.cookies]
        pairs += [(n, v) for n, v in self._options.cookies if n not in cookie_names]
        cookie = "; ".join(filter(None, [cookie_header, *(f"{n}={v}" for n, v in pairs)]))
        if cookie:
            headers.append((b"Cookie", _encode(cookie)))
        try:
            outgoing = httpx.Request(
                request.method, request.url, headers=headers, content=request.body or None
            )
        except (httpx.InvalidURL, ValueError, TypeError) as exc:
            raise TargetError(f"{request.method} {request.url}", detail=str(exc)) from exc
        if outgoing.url.scheme not in {"http", "https"} or not outgoing.url.host:
            raise TargetError(f"{request.method} {request.url}", detail="not an http(s) URL")
        return outgoing

    async def _attempt(self, outgoing: httpx.Request, request: HttpRequest) -> HttpResponse:
        async with self._semaphore:
            self._check_budget()
            await self._pace()
            self._check_budget()
            self._sent += 1
            self._stats.requests += 1
            started = time.monotonic()
            try:
                async with asyncio.timeout(self._request_timeout()):
                    response = await self._client.send(outgoing, stream=True)
                    try:
                        body, truncated = await self._read(response)
                    finally:
                        await response.aclose()
            except httpx.LocalProtocolError as exc:
                # Our request is malformed (a header with a line break…): not the
                # target's fault, and sending it again would not help.
                self._stats.errors += 1
                raise TargetError(f"{request.method} {request.url}", detail=str(exc)) from exc
            except TimeoutError as exc:
                raise _TransportFailure(f"timed out after {self._options.timeout:g} s") from exc
            except httpx.TimeoutException as exc:
                raise _TransportFailure(f"timed out ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                if refused_by_policy(exc):
                    # The same answer every time: a failed request, not one to retry.
                    self._stats.errors += 1
                    raise TargetError(f"{request.method} {request.url}", detail=str(exc)) from exc
                raise _TransportFailure(_describe(exc)) from exc
            return HttpResponse(
                url=str(response.url),
                status=response.status_code,
                headers=tuple(
                    ("location" if name == _SHIELDED_LOCATION else name, value)
                    for name, value in response.headers.multi_items()
                ),
                body=body,
                elapsed=time.monotonic() - started,
                truncated=truncated,
            )

    async def _read(self, response: httpx.Response) -> tuple[bytes, bool]:
        """The body, decoded (gzip…) and capped while it streams in."""
        cap = self._options.max_response_bytes
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                room = cap - size
                if len(chunk) > room:
                    chunks.append(chunk[:room])
                    return b"".join(chunks), True
                chunks.append(chunk)
                size += len(chunk)
        except httpx.DecodingError:
            # A body that claims gzip but is not: keep what decoded, the rest is noise.
            logger.debug("undecodable body from %s", response.url)
        return b"".join(chunks), False

    def _request_timeout(self) -> float:
        timeout = self._options.timeout
        if self._deadline is not None:
            timeout = min(timeout, self._deadline - time.monotonic())
        return max(timeout, 0.001)

    async def _pace(self) -> None:
        """Space requests ``1 / requests_per_second`` apart, across all tasks."""
        if self._interval <= 0:
            return
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self._interval
        if slot > now:
            await self._sleep(slot - now)

    async def _sleep(self, delay: float) -> None:
        if self._deadline is not None and time.monotonic() + delay >= self._deadline:
            self._stop("time budget")
            raise ClientStopped("time budget")
        await asyncio.sleep(delay)

    def _check_budget(self) -> None:
        if self._stopped is None:
            if self._sent >= self._options.max_requests:
                self._stop("request budget")
            elif self._deadline is not None and time.monotonic() >= self._deadline:
                self._stop("time budget")
        if self._stopped is not None:
            raise ClientStopped(self._stopped)

    def _errored(self, status: int) -> None:
        # A 500 is what many payloads are meant to provoke (an SQL error page), so one
        # endpoint's worth of them says nothing about the target's health; only a long
        # unbroken run of them (every endpoint erroring) stops the scan.
        self._consecutive_errors += 1
        if self._consecutive_errors >= self._options.max_consecutive_failures * _ERROR_FACTOR:
            self._stop(
                f"target failing: {self._consecutive_errors} consecutive server errors"
                f" (last: HTTP {status})"
            )

    def _failed(self, detail: str) -> None:
        self._consecutive_failures += 1
        if self._consecutive_failures >= self._options.max_consecutive_failures:
            self._stop(
                f"target failing: {self._consecutive_failures} consecutive failures"
                f" (last: {detail})"
            )

    def _stop(self, reason: str) -> None:
        if self._stopped is None:
            self._stopped = reason
            self._stats.stop_reason = reason
            logger.info("client stopped: %s", reason)


def _encode(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _backoff(attempt: int) -> float:
    return float(min(MAX_BACKOFF, BACKOFF_BASE * 2 ** (attempt - 1)))


def _retry_delay(response: HttpResponse, attempt: int) -> float:
    """Retry-After (seconds or an HTTP date) when present and sane, else backoff."""
    value = (response.header("retry-after") or "").strip()
    if value:
        seconds: float | None = None
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None:
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                seconds = (when - datetime.now(UTC)).total_seconds()
        if seconds is not None and math.isfinite(seconds):
            return min(max(seconds, 0.0), MAX_RETRY_AFTER)
    return _backoff(attempt)


# httpx prepares the next request of every redirect even when it is not to follow it, and
# raises InvalidURL for a Location it cannot parse (``c:\\windows\\win.ini`` echoed by
# a traversal probe). That answer is exactly what a rule wants to see, so the header is
# parked under another name while httpx looks, and restored in the HttpResponse.
_SHIELDED_LOCATION = "x-bastion-unparsable-location"


async def _shield_unparsable_location(response: httpx.Response) -> None:
    location = response.headers.get("location")
    if location is None or not response.has_redirect_location:
        return
    try:
        # What httpx does to build the redirect (``Client._redirect_url``).
        url = httpx.URL(location)
        if url.scheme and not url.host:
            url = url.copy_with(host=response.request.url.host)
        if url.is_relative_url:
            response.request.url.join(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        del response.headers["location"]
        response.headers[_SHIELDED_LOCATION] = location


def _describe(exc: httpx.TransportError) -> str:
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {detail}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"protocol error: {detail}"
    return f"{type(exc).__name__}: {detail}"

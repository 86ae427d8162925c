"""The engine's ``Probe``: what one active rule gets for one (scan input, insertion point).

Every request goes through the scan's ``TargetClient``, so budgets, politeness and the
passive rules apply to probes exactly as to the crawl. A rule may send at most its
declared ``max_requests`` per insertion point (revisits not counted): past that the probe
refuses, so one runaway rule cannot eat the scan's request budget.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Sequence
from typing import Protocol

from bastion.dast.crawler.errors import ClientStopped, TargetError
from bastion.dast.engine.insertion import inject
from bastion.dast.model import (
    Exchange,
    HttpRequest,
    HttpResponse,
    InsertionPoint,
    ScanInput,
)

# Stored payloads may show up on pages other than the one that took them; looking at a
# handful of the site's pages catches the common cases (lists, dashboards) cheaply.
REVISIT_PAGES = 5

# Headers that describe the input's body, meaningless on a bodiless revisit GET.
_BODY_HEADERS = frozenset({"content-type", "content-length", "transfer-encoding"})


class Sender(Protocol):
    async def send(self, request: HttpRequest) -> HttpResponse: ...


class ProbeBudgetExceeded(Exception):
    """A rule tried to send more than its declared ``max_requests``: a bug in the rule."""


class MarkerFactory:
    """Unique alphanumeric tokens: a per-scan random prefix (so tokens from an earlier
    scan still stored in the target never match this one) and a counter."""

    def __init__(self) -> None:
        self._prefix = "bz" + secrets.token_hex(3)
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self._prefix}x{next(self._counter)}"


class EngineProbe:
    def __init__(
        self,
        *,
        client: Sender,
        target: ScanInput,
        point: InsertionPoint,
        baseline: HttpResponse,
        markers: MarkerFactory,
        max_requests: int,
        revisit_pages: Sequence[str] = (),
    ) -> None:
        self._client = client
        self._target = target
        self._point = point
        self._baseline = baseline
        self._markers = markers
        self._max_requests = max_requests
        self._revisit_pages = revisit_pages
        self.requests_sent = 0

    @property
    def target(self) -> ScanInput:
        return self._target

    @property
    def point(self) -> InsertionPoint:
        return self._point

    @property
    def baseline(self) -> HttpResponse:
        return self._baseline

    async def send(self, payload: str, *, append: bool = False) -> Exchange:
        request = inject(self._target.request, self._point, payload, append=append)
        return await self.send_request(request)

    async def send_request(self, request: HttpRequest) -> Exchange:
        if self.requests_sent >= self._max_requests:
            raise ProbeBudgetExceeded(
                f"more than max_requests={self._max_requests} for one insertion point"
            )
        self.requests_sent += 1
        return await self._exchange(request)

    async def _exchange(self, request: HttpRequest) -> Exchange:
        return Exchange(request, await self._client.send(request))

    async def revisit(self) -> list[Exchange]:
        exchanges: list[Exchange] = []
        for url in self._revisit_urls():
            try:
                exchanges.append(await self._exchange(self._get(url)))
            except ClientStopped:
                raise
            except TargetError:
                # One page that fails to load says nothing about the others.
                continue
        return exchanges

    def marker(self) -> str:
        return self._markers()

    def _revisit_urls(self) -> list[str]:
        urls: list[str] = []
        candidates = [self._target.page, self._target.request.url, *self._revisit_pages]
        for url in candidates:
            if url and url not in urls:
                urls.append(url)
        return urls[: REVISIT_PAGES + 2]

    def _get(self, url: str) -> HttpRequest:
        source = self._target.request
        headers = tuple(
            (name, value) for name, value in source.headers if name.lower() not in _BODY_HEADERS
        )
        return HttpRequest("GET", url, headers=headers, cookies=source.cookies)

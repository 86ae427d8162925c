"""An in-memory ``Probe`` for rule tests: the "target" is a Python function from request
to response, so a vulnerable endpoint and its fixed twin are a few lines each, and
time-based rules are tested with a fake ``elapsed`` instead of real sleeps."""

from __future__ import annotations

import asyncio
import html
import itertools
import json
from collections.abc import Callable, Sequence
from urllib.parse import parse_qsl, urlsplit

from bastion.dast.checks.base import ActiveRule
from bastion.dast.engine.insertion import inject, insertion_points
from bastion.dast.model import (
    DastFinding,
    Exchange,
    HttpRequest,
    HttpResponse,
    InputSource,
    InsertionPoint,
    Location,
    ScanInput,
)

App = Callable[[HttpRequest], HttpResponse]


def page(
    body: str,
    status: int = 200,
    *,
    content_type: str = "text/html; charset=utf-8",
    headers: Sequence[tuple[str, str]] = (),
    elapsed: float = 0.02,
) -> HttpResponse:
    return HttpResponse(
        url="http://app.test/",
        status=status,
        headers=(("Content-Type", content_type), *headers),
        body=body.encode("utf-8"),
        elapsed=elapsed,
    )


def params(request: HttpRequest) -> dict[str, str]:
    """Query, urlencoded form and top-level JSON fields of ``request``, merged."""
    values = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
    if request.body and "urlencoded" in request.content_type:
        values.update(parse_qsl(request.body.decode(), keep_blank_values=True))
    if request.body and "json" in request.content_type:
        document = json.loads(request.body)
        values.update({k: str(v) for k, v in document.items()})
    return values


def param(request: HttpRequest, name: str) -> str:
    return params(request).get(name, "")


def cookie(request: HttpRequest, name: str) -> str:
    return dict(request.cookies).get(name, "")


class FakeProbe:
    """Implements ``bastion.dast.checks.base.Probe`` over an ``App``; counts what the
    rule sends (``sent``, like the engine's budget, revisits apart in ``revisited``)."""

    _counter = itertools.count(1)

    def __init__(
        self,
        app: App,
        request: HttpRequest,
        point: InsertionPoint,
        *,
        pages: Sequence[str] = (),
    ) -> None:
        self._app = app
        self._target = ScanInput(request, InputSource.LINK, page=pages[0] if pages else None)
        self._point = point
        self._baseline = app(request)
        self._pages = pages
        self.sent: list[HttpRequest] = []
        self.revisited = 0
        self._prefix = f"zq{next(self._counter)}x"
        self._markers = itertools.count(1)

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
        self.sent.append(request)
        return Exchange(request, self._app(request))

    async def revisit(self) -> list[Exchange]:
        exchanges = []
        for url in self._pages:
            self.revisited += 1
            request = HttpRequest("GET", url)
            exchanges.append(Exchange(request, self._app(request)))
        return exchanges

    def marker(self) -> str:
        return f"{self._prefix}{next(self._markers)}"


def point_of(request: HttpRequest, location: Location, name: str) -> InsertionPoint:
    for point in insertion_points(request):
        if point.location is location and point.name == name:
            return point
    raise AssertionError(f"no {location} point {name!r} in {request}")


def scan(
    rule: ActiveRule,
    app: App,
    request: HttpRequest,
    location: Location = Location.QUERY,
    name: str = "q",
    *,
    pages: Sequence[str] = (),
) -> tuple[DastFinding | None, FakeProbe]:
    """Run ``rule`` against ``app`` on one insertion point; the finding and the probe."""
    probe = FakeProbe(app, request, point_of(request, location, name), pages=pages)
    assert rule.applies_to(probe.target, probe.point)
    finding = asyncio.run(rule.scan(probe))
    assert len(probe.sent) <= rule.max_requests
    return finding, probe


def get(url: str) -> HttpRequest:
    return HttpRequest("GET", url)


def escape(value: str) -> str:
    return html.escape(value, quote=True)

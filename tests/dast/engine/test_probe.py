"""The engine's Probe over a real client and a loopback app."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bastion.dast.crawler.client import TargetClient
from bastion.dast.engine.probe import EngineProbe, MarkerFactory, ProbeBudgetExceeded
from bastion.dast.model import (
    HttpRequest,
    HttpResponse,
    InputSource,
    InsertionPoint,
    Location,
    ScanInput,
    ScanStats,
)
from bastion.dast.options import DastOptions
from tests.dast.engine.loopback import serve

SEEN: list[str] = []


async def echo(request: Request) -> Response:
    SEEN.append(f"{request.method} {request.url.path}?{request.url.query}")
    if request.url.path == "/gone":
        return PlainTextResponse("gone", status_code=410)
    return PlainTextResponse(f"{request.url.path} {request.query_params.get('q', '')}")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST"])])) as url:
        yield url


def make_probe(
    client: TargetClient, site: str, *, max_requests: int = 5, pages: tuple[str, ...] = ()
) -> EngineProbe:
    target = ScanInput(
        HttpRequest(
            "POST",
            f"{site}/form?q=1",
            headers=(("Content-Type", "application/x-www-form-urlencoded"), ("X-A", "b")),
            body=b"q=1",
            content_type="application/x-www-form-urlencoded",
        ),
        InputSource.FORM,
        page=f"{site}/page",
    )
    baseline = HttpResponse(f"{site}/form", 200, (), b"/form 1", 0.0)
    return EngineProbe(
        client=client,
        target=target,
        point=InsertionPoint(Location.QUERY, "q", "1"),
        baseline=baseline,
        markers=MarkerFactory(),
        max_requests=max_requests,
        revisit_pages=pages,
    )


def run(site: str, body: object) -> object:
    async def main() -> object:
        options = DastOptions(target=site, retries=0, timeout=3)
        async with TargetClient(options, stats=ScanStats()) as client:
            return await body(client)  # type: ignore[operator] # a test coroutine function

    return asyncio.run(main())


def test_send_injects_the_payload_at_the_point(site: str) -> None:
    async def body(client: TargetClient) -> None:
        probe = make_probe(client, site)
        replaced = await probe.send("abc")
        appended = await probe.send("abc", append=True)
        assert replaced.request.url == f"{site}/form?q=abc"
        assert replaced.response.text == "/form abc"
        assert appended.response.text == "/form 1abc"
        assert probe.requests_sent == 2

    run(site, body)


def test_the_declared_request_budget_is_enforced(site: str) -> None:
    async def body(client: TargetClient) -> None:
        probe = make_probe(client, site, max_requests=1)
        await probe.send("a")
        with pytest.raises(ProbeBudgetExceeded):
            await probe.send("b")

    run(site, body)


def test_revisit_fetches_the_page_the_input_and_crawled_pages_with_get(site: str) -> None:
    async def body(client: TargetClient) -> None:
        pages = (f"{site}/page", f"{site}/gone", f"{site}/list", f"{site}/other")
        probe = make_probe(client, site, max_requests=1, pages=pages)
        SEEN.clear()
        exchanges = await probe.revisit()
        assert [e.request.url for e in exchanges] == [
            f"{site}/page",
            f"{site}/form?q=1",
            f"{site}/gone",
            f"{site}/list",
            f"{site}/other",
        ]
        assert {e.request.method for e in exchanges} == {"GET"}
        assert all(e.request.body == b"" for e in exchanges)
        # Headers describing the POST body are dropped, the others kept.
        assert exchanges[1].request.headers == (("X-A", "b"),)
        # Revisits do not count against the rule's own budget.
        assert probe.requests_sent == 0
        assert "GET /form?q=1" in SEEN

    run(site, body)


def test_markers_are_unique_and_alphanumeric() -> None:
    markers = MarkerFactory()
    tokens = [markers() for _ in range(1000)]
    assert len(set(tokens)) == len(tokens)
    assert all(token.isalnum() and token.isascii() for token in tokens)
    assert MarkerFactory()() != MarkerFactory()()

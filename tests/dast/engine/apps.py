"""Small Starlette apps for the engine and CLI tests: one that reflects ``q``, and ones
that misbehave in the ways real targets do."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

INDEX = """<!DOCTYPE html><html><head><title>shop</title></head><body>
<a href="/a?q=1">a</a> <a href="/b?q=1">b</a> <a href="/a?q=2&amp;x=1">a2</a>
<a href="/style.css?v=3">css</a>
</body></html>"""


def page(body: str) -> HTMLResponse:
    return HTMLResponse(f"<!DOCTYPE html><html><body>{body}</body></html>")


async def index(request: Request) -> Response:
    return HTMLResponse(INDEX)


async def reflect(request: Request) -> Response:
    # Deliberately unescaped: the test rule looks for its marker verbatim.
    return page(f"<p>You searched {request.query_params.get('q', '')}</p>")


async def slow(request: Request) -> Response:
    await asyncio.sleep(0.2)
    return await reflect(request)


async def dotenv(request: Request) -> Response:
    return PlainTextResponse("SECRET-TOKEN=hunter2\n")


async def binary(request: Request) -> Response:
    return Response(os.urandom(3 * 1024 * 1024), media_type="application/octet-stream")


async def huge(request: Request) -> Response:
    return page("<p>" + "lorem ipsum " * 300_000 + "</p>")


async def endless(request: Request) -> Response:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"<!DOCTYPE html><html><body>"
        while True:
            yield b"<p>more</p>" * 1000
            await asyncio.sleep(0)

    return StreamingResponse(chunks(), media_type="text/html")


async def stylesheet(request: Request) -> Response:
    return Response("body { color: red }", media_type="text/css")


async def language(request: Request) -> Response:
    return page(f"<p>Language: {request.cookies.get('lang', 'en')}</p>")


async def tokenised(request: Request) -> Response:
    # A fresh word on every load (not digits or a long token): no two loads compare equal.
    return page(f"<p>Word of the moment: {os.urandom(4).hex()[:6].translate(_LETTERS)}</p>")


async def bad_redirect(request: Request) -> Response:
    # A Location that is no valid URL: what a target sends when a payload breaks it.
    return Response("", status_code=302, headers={"Location": "http:..%2F..%2Fetc"})


_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def reflecting_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/", index),
            Route("/a", reflect),
            Route("/b", reflect),
            Route("/slow", slow),
            Route("/.env", dotenv),
            Route("/binary", binary),
            Route("/huge", huge),
            Route("/stream", endless),
            Route("/style.css", stylesheet),
            Route("/lang", language),
            Route("/token", tokenised),
            Route("/bad-redirect", bad_redirect),
        ]
    )


def failing_app(status: int = 500) -> Starlette:
    """Every request answers ``status``: a 5xx storm."""

    async def fail(request: Request) -> Response:
        return PlainTextResponse("failing", status_code=status)

    return Starlette(routes=[Route("/{path:path}", fail)])


def redirect_loop_app() -> Starlette:
    async def ping(request: Request) -> Response:
        return RedirectResponse("/pong?q=1", status_code=302)

    async def pong(request: Request) -> Response:
        return RedirectResponse("/?q=2", status_code=302)

    return Starlette(routes=[Route("/", ping), Route("/pong", pong)])


def endless_pages_app() -> Starlette:
    """Every page links to a next one, forever: /page/1 → /page/2 → …"""

    async def numbered(request: Request) -> Response:
        number = int(request.path_params["number"])
        return page(f'<a href="/page/{number + 1}?q=1">next</a> <p>{request.query_params}</p>')

    async def home(request: Request) -> Response:
        return page('<a href="/page/1?q=1">start</a>')

    return Starlette(routes=[Route("/", home), Route("/page/{number:int}", numbered)])

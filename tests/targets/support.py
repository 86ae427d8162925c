"""Test doubles for the target policy and scans: a resolver with fixed answers, and a
small site served by a real uvicorn server on any loopback address."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bastion.dast.policy import HostUnresolvable, IPAddress


class FakeDns:
    """Fixed answers per name, counting look-ups. An answer is a list of addresses, or a
    list of such lists served in turn (the last one repeating): a name whose answer
    changes, as in DNS rebinding. Names without an answer do not resolve."""

    def __init__(self, answers: dict[str, list[str] | list[list[str]]] | None = None) -> None:
        self.answers = dict(answers or {})
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, host: str) -> Sequence[IPAddress]:
        with self._lock:
            self.calls.append(host)
            answer = self.answers.get(host)
            if answer is None:
                raise HostUnresolvable(f"{host} does not resolve")
            turns = [a for a in answer if isinstance(a, list)]
            if turns:
                current = turns[min(len(turns), self.calls.count(host)) - 1]
            else:
                current = [a for a in answer if isinstance(a, str)]
            return [ipaddress.ip_address(a) for a in current]


class Site:
    """A real uvicorn server on ``host`` (any loopback address: all of 127/8 is loopback
    on Linux), in a thread. Every page links to ``/go`` (which redirects to
    ``redirect_to`` when given) and to ``links`` further pages; ``documents`` are JSON
    answers by path; each answer waits ``delay`` seconds. ``hits`` lists
    ``"<path> host=<Host header>"`` per request, ``headers`` each request's headers."""

    def __init__(
        self,
        host: str,
        *,
        redirect_to: str | None = None,
        links: int = 1,
        delay: float = 0.0,
        documents: dict[str, object] | None = None,
    ) -> None:
        self.hits: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.documents = documents or {}
        self.redirect_to = redirect_to
        self.links = links
        self.delay = delay
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind((host, 0))
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://{host}:{self.port}"
        app = Starlette(routes=[Route("/{path:path}", self._page)])
        self.server = uvicorn.Server(
            uvicorn.Config(app, log_level="error", lifespan="off", access_log=False)
        )
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    async def _page(self, request: Request) -> Response:
        self.hits.append(f"{request.url.path} host={request.headers.get('host')}")
        self.headers.append(dict(request.headers))
        if self.delay:
            await asyncio.sleep(self.delay)
        if request.url.path in self.documents:
            return JSONResponse(self.documents[request.url.path])
        if self.redirect_to is not None and request.url.path == "/go":
            return RedirectResponse(self.redirect_to, status_code=302)
        links = " ".join(f'<a href="/page/{n}">page {n}</a>' for n in range(self.links))
        return PlainTextResponse(
            f'<html><body><a href="/go">go</a> {links}</body></html>', media_type="text/html"
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert self.thread.is_alive(), "the server stopped"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@contextmanager
def serving(
    host: str = "127.0.0.1",
    *,
    redirect_to: str | None = None,
    links: int = 1,
    delay: float = 0.0,
    documents: dict[str, object] | None = None,
) -> Iterator[Site]:
    site = Site(host, redirect_to=redirect_to, links=links, delay=delay, documents=documents)
    site.start()
    try:
        yield site
    finally:
        site.stop()

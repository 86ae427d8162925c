"""Small Starlette apps served by uvicorn on loopback (real HTTP, port 0), and helpers to
run the client and the crawler against them from synchronous tests."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import replace
from typing import TypeVar

import pytest
import uvicorn
from starlette.types import ASGIApp

from bastion.dast.crawler.client import TargetClient
from bastion.dast.crawler.crawl import CrawlResult, crawl
from bastion.dast.model import HttpRequest, HttpResponse, ScanInput, ScanStats
from bastion.dast.options import DastOptions

T = TypeVar("T")
Serve = Callable[[ASGIApp], str]


class _Server:
    def __init__(self, app: ASGIApp) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="error", lifespan="off", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.005)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def serve() -> Iterator[Serve]:
    """``serve(app)`` starts ``app`` on 127.0.0.1 and returns its base URL (no trailing
    slash); every server stops when the test ends."""
    servers: list[_Server] = []

    def start(app: ASGIApp) -> str:
        server = _Server(app)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def options_for(target: str, **changes: object) -> DastOptions:
    """Options for a fast loopback test: no browser, no pacing, short timeouts."""
    base = DastOptions(
        target=target,
        browser=False,
        requests_per_second=0,
        timeout=5.0,
        retries=0,
        max_duration=120.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]  # keyword overrides


def run(coroutine: Coroutine[object, object, T]) -> T:
    return asyncio.run(coroutine)


def run_crawl(options: DastOptions) -> tuple[CrawlResult, ScanStats]:
    async def main() -> tuple[CrawlResult, ScanStats]:
        stats = ScanStats()
        async with TargetClient(options, stats=stats) as client:
            return await crawl(options, client, stats=stats), stats

    return run(main())


def send_all(options: DastOptions, requests: list[HttpRequest]) -> list[HttpResponse]:
    async def main() -> list[HttpResponse]:
        stats = ScanStats()
        async with TargetClient(options, stats=stats) as client:
            return [await client.send(request) for request in requests]

    return run(main())


def find(inputs: list[ScanInput], method: str, path: str) -> list[ScanInput]:
    """Inputs whose request has this method and URL path (query ignored)."""
    found = []
    for item in inputs:
        url = item.request.url.split("?", 1)[0]
        if item.request.method == method and url.split("/", 3)[-1] == path.lstrip("/"):
            found.append(item)
    return found

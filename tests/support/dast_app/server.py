"""Run the test app as a real uvicorn server on an ephemeral loopback port, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from starlette.types import ASGIApp

from tests.support.dast_app.app import build_app
from tests.support.dast_app.state import AppState

START_TIMEOUT = 10.0


@contextmanager
def start_dast_app() -> Iterator[str]:
    """Serve a fresh app (new database, empty guestbooks) and yield its base URL,
    ``http://127.0.0.1:<port>`` without a trailing slash; stop it on exit."""
    state = AppState.create()
    try:
        with serve_app(build_app(state)) as url:
            yield url
    finally:
        state.close()


@contextmanager
def serve_app(app: ASGIApp) -> Iterator[str]:
    """Serve any ASGI app the way the test app is served (benchmarks use it too)."""
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        # h11, not httptools: the header-injection page relies on h11 sending the header
        # lines it is given; and no "server: uvicorn" header, which the version
        # disclosure rule would have to ignore.
        http="h11",
        server_header=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto says
    # TCP, and without it every keep-alive response waits 40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="dast-app", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the DAST test app did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT)
        sock.close()


@pytest.fixture(scope="session")
def dast_app_url() -> Iterator[str]:
    """The base URL of one test app shared by the whole session."""
    with start_dast_app() as url:
        yield url

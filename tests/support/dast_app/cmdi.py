"""OS command injection (CWE-78): a real shell runs ``echo`` with the value pasted in.
One page shows the output as plain text, one HTML-encodes it, one shows nothing (only a
delay tells); the safe twins pass the value as an argv element, without a shell."""

from __future__ import annotations

import html
import os
import signal
import subprocess
from collections.abc import Awaitable, Callable, Sequence

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import body_fields, field, links, page

# Time-based payloads sleep a few seconds; anything longer is cut so threads come back.
COMMAND_TIMEOUT = 15.0

SECTION = (
    links(
        [
            ("/cmd/ping?host=example.com", "Ping example.com"),
            ("/cmd/ping-safe?host=example.com", "Ping example.com (safe)"),
        ]
    )
    + """
<h2>DNS lookup</h2>
<form action="/cmd/lookup" method="post"><input name="domain" value="example.com">
<button>Look up</button></form>
<form action="/cmd/lookup-safe" method="post"><input name="domain" value="example.com">
<button>Look up (safe)</button></form>
<h2>Notify me</h2>
<form action="/cmd/notify" method="post" enctype="multipart/form-data">
<input name="email" value="me@example.com"><button>Notify me</button></form>
<form action="/cmd/notify-safe" method="post" enctype="multipart/form-data">
<input name="email" value="me@example.com"><button>Notify me (safe)</button></form>
"""
)


def run_command(command: str | Sequence[str]) -> str:
    """Output (stdout and stderr) of ``command``: a string goes through ``/bin/sh``, a
    sequence is run directly. The process group is killed on timeout, so a ``sleep``
    the shell started cannot keep the pipes open."""
    process = subprocess.Popen(
        command if isinstance(command, str) else list(command),
        shell=isinstance(command, str),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output.decode("utf-8", errors="replace")


def routes(state: AppState) -> list[BaseRoute]:
    del state  # no state: every command is self-contained

    def ping(safe: bool) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            host = request.query_params.get("host", "")
            command = ["echo", "Pinging", host] if safe else f"echo Pinging {host}"
            return PlainTextResponse(run_command(command))

        return endpoint

    def lookup(safe: bool) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            domain = field(await body_fields(request), "domain")
            command = ["echo", "Looking up", domain] if safe else f"echo Looking up {domain}"
            output = await run_in_threadpool(run_command, command)
            return page("Lookup", f"<pre>{html.escape(output)}</pre>")

        return endpoint

    def notify(safe: bool) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            email = field(await body_fields(request), "email")
            command = ["echo", email] if safe else f"echo {email} > /dev/null"
            await run_in_threadpool(run_command, command)
            return page("Notify me", "<p>We will let you know.</p>")

        return endpoint

    def section(_: Request) -> Response:
        return page("Command injection", SECTION)

    return [
        Route("/cmd/", section),
        Route("/cmd", lambda _: RedirectResponse("/cmd/")),
        Route("/cmd/ping", ping(safe=False)),
        Route("/cmd/ping-safe", ping(safe=True)),
        Route("/cmd/lookup", lookup(safe=False), methods=["POST"]),
        Route("/cmd/lookup-safe", lookup(safe=True), methods=["POST"]),
        Route("/cmd/notify", notify(safe=False), methods=["POST"]),
        Route("/cmd/notify-safe", notify(safe=True), methods=["POST"]),
    ]

"""Server-side template injection (CWE-94): user text becomes part of a Jinja2 template
(an unsandboxed environment, as in the real mistake). The safe twins pass the text as a
template variable. The rendered result is HTML-escaped, so these pages are no XSS."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import body_fields, field, links, page

_ENVIRONMENT = jinja2.Environment(autoescape=False)

SECTION = (
    links(
        [
            ("/ssti/greet?name=World", "Greeting"),
            ("/ssti/greet-safe?name=World", "Greeting (safe)"),
        ]
    )
    + """
<h2>Newsletter preview</h2>
<form action="/ssti/preview" method="post">
<textarea name="body">Dear reader, spring is here.</textarea><button>Preview</button></form>
<form action="/ssti/preview-safe" method="post">
<textarea name="body">Dear reader, spring is here.</textarea><button>Preview (safe)</button></form>
"""
)


class RenderError(Exception):
    pass


def render_unsafe(prefix: str, text: str) -> str:
    try:
        return _ENVIRONMENT.from_string(prefix + text).render()
    except jinja2.TemplateError as error:
        raise RenderError(f"jinja2.exceptions.{type(error).__name__}: {error}") from error


def render_safe(prefix: str, text: str) -> str:
    return _ENVIRONMENT.from_string(prefix + "{{ text }}").render(text=text)


def _answer(title: str, render: Callable[[str, str], str], prefix: str, text: str) -> Response:
    try:
        output = render(prefix, text)
    except RenderError as error:
        return page("Template error", f"<pre>{html.escape(str(error))}</pre>", status=500)
    return page(title, f"<div class='output'>{html.escape(output)}</div>")


def routes(state: AppState) -> list[BaseRoute]:
    del state  # templates keep nothing

    def greet(render: Callable[[str, str], str]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            return _answer("Greeting", render, "Hello ", request.query_params.get("name", ""))

        return endpoint

    def preview(render: Callable[[str, str], str]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            body = field(await body_fields(request), "body")
            # A thread, like the GET pages: an injected template may run a slow command.
            return await run_in_threadpool(_answer, "Preview", render, "Newsletter: ", body)

        return endpoint

    def section(_: Request) -> Response:
        return page("Template injection", SECTION)

    return [
        Route("/ssti/", section),
        Route("/ssti", lambda _: RedirectResponse("/ssti/")),
        Route("/ssti/greet", greet(render_unsafe)),
        Route("/ssti/greet-safe", greet(render_safe)),
        Route("/ssti/preview", preview(render_unsafe), methods=["POST"]),
        Route("/ssti/preview-safe", preview(render_safe), methods=["POST"]),
    ]

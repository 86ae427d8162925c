"""Open redirect (CWE-601): a ``Location`` header, a meta refresh and a login form's
hidden ``next`` field send the browser wherever the value says. The safe twins accept
only paths on this site."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import body_fields, field, links, page

SECTION = links(
    [
        ("/go?url=/sqli/", "Go to the SQL pages"),
        ("/go-safe?url=/sqli/", "Go to the SQL pages (safe)"),
        ("/go/meta?next=/files/", "Go to the files, after a pause"),
        ("/go/meta-safe?next=/files/", "Go to the files, after a pause (safe)"),
        ("/account/login", "Sign in and come back"),
        ("/account/login-safe", "Sign in and come back (safe)"),
    ]
)


def local_only(target: str) -> str:
    """``target`` if it is a path on this site, else the home page: no scheme, no
    network path (``//host``), no backslash browsers read as a slash."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _any(target: str) -> str:
    return target


def routes(state: AppState) -> list[BaseRoute]:
    del state  # redirects keep nothing

    def location(check: Callable[[str], str]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            return RedirectResponse(check(request.query_params.get("url", "/")), status_code=302)

        return endpoint

    def meta(check: Callable[[str], str]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            target = html.escape(check(request.query_params.get("next", "/")), quote=True)
            # No link to the target: a javascript: href would make this page XSS too.
            return page(
                "Redirecting",
                "<p>Taking you to your page…</p>",
                head=f'<meta http-equiv="refresh" content="1;url={target}">',
            )

        return endpoint

    def login_form(action: str) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            return page(
                "Sign in",
                f"<form action='{action}' method='post'>"
                "<input name='username' value='alice'>"
                "<input type='password' name='password' value='secret'>"
                "<input type='hidden' name='next' value='/sqli/'>"
                "<button>Sign in</button></form>",
            )

        return endpoint

    def login(check: Callable[[str], str]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            fields = await body_fields(request)
            return RedirectResponse(check(field(fields, "next", "/")), status_code=303)

        return endpoint

    def section(_: Request) -> Response:
        return page("Redirects", SECTION)

    return [
        Route("/redirects/", section),
        Route("/go", location(_any)),
        Route("/go-safe", location(local_only)),
        Route("/go/meta", meta(_any)),
        Route("/go/meta-safe", meta(local_only)),
        Route("/account/login", login_form("/account/login"), methods=["GET"]),
        Route("/account/login", login(_any), methods=["POST"]),
        Route("/account/login-safe", login_form("/account/login-safe"), methods=["GET"]),
        Route("/account/login-safe", login(local_only), methods=["POST"]),
    ]

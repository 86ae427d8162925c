"""Injection through a cookie: ``/prefs`` sets ``lang`` (with every flag, Secure
included, although the app runs on plain HTTP), and the pages below read it unsafely:
one into HTML (CWE-79), one into SQL (CWE-89). The twins escape and bind it."""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.sqli import error_page
from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import links, page

SECTION = links(
    [
        ("/prefs/greeting", "Greeting in my language"),
        ("/prefs/greeting-safe", "Greeting in my language (safe)"),
        ("/prefs/catalog", "Catalogue in my language"),
        ("/prefs/catalog-safe", "Catalogue in my language (safe)"),
    ]
)


def routes(state: AppState) -> list[BaseRoute]:
    def prefs(_: Request) -> Response:
        response = page("Preferences", "<p>Your language is English.</p>" + SECTION)
        response.set_cookie("lang", "en", path="/prefs", secure=True, httponly=True, samesite="lax")
        return response

    def greeting(encode: Callable[[str], str]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            lang = request.cookies.get("lang", "en")
            return page("Greeting", f"<p>Your language: <span>{encode(lang)}</span></p>")

        return endpoint

    def catalog(safe: bool) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            lang = request.cookies.get("lang", "en")
            try:
                if safe:
                    rows = state.shop.query(
                        "SELECT greeting FROM languages WHERE code = ?", (lang,)
                    )
                else:
                    rows = state.shop.query(f"SELECT greeting FROM languages WHERE code = '{lang}'")
            except sqlite3.Error as error:
                return error_page(error)
            greeting = str(rows[0][0]) if rows else "Welcome"
            return page("Catalogue", f"<p>{html.escape(greeting)}! Five products.</p>")

        return endpoint

    return [
        Route("/prefs", prefs),
        Route("/prefs/greeting", greeting(lambda value: value)),
        Route("/prefs/greeting-safe", greeting(html.escape)),
        Route("/prefs/catalog", catalog(safe=False)),
        Route("/prefs/catalog-safe", catalog(safe=True)),
    ]

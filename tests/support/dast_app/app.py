"""The Starlette application: the index page, ``robots.txt`` and every section's routes."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app import (
    api,
    cmdi,
    crlf,
    deser,
    files,
    ldapi,
    passive,
    prefs,
    redirects,
    spa,
    sqli,
    ssti,
    xss,
    xxe_xpath,
)
from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import links, page

SECTIONS = (
    ("/xss/", "Cross-site scripting"),
    ("/sqli/", "SQL injection"),
    ("/cmd/", "Command injection"),
    ("/files/", "Files (path traversal)"),
    ("/redirects/", "Redirects"),
    ("/ssti/", "Template injection"),
    ("/xml/", "XML (XXE, XPath)"),
    ("/ldap/", "Directory (LDAP)"),
    ("/deser/", "Deserialisation"),
    ("/crlf/", "Header injection"),
    ("/prefs", "Preferences (cookie)"),
    ("/app", "Shop app (JavaScript)"),
    ("/passive/", "Headers, cookies and leaks"),
)
ROBOTS = "User-agent: *\nDisallow: /backup.zip\nDisallow: /docs/\n"


def build_app(state: AppState) -> Starlette:
    def index(_: Request) -> Response:
        return page("Example shop", "<p>A deliberately vulnerable shop.</p>" + links(SECTIONS))

    def robots(_: Request) -> Response:
        return PlainTextResponse(ROBOTS)

    routes: list[BaseRoute] = [Route("/", index), Route("/robots.txt", robots)]
    for module in (
        xss,
        sqli,
        cmdi,
        files,
        redirects,
        ssti,
        xxe_xpath,
        ldapi,
        deser,
        crlf,
        prefs,
        spa,
        api,
        passive,
    ):
        routes.extend(module.routes(state))
    return Starlette(routes=routes)

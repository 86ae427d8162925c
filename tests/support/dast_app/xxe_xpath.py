"""XML external entities (CWE-611) and XPath injection (CWE-643), with lxml.

The import endpoint parses the posted document with entity resolution on (local files
only: ``no_network``); its twin turns resolution off. The user search pastes the name
into an XPath expression; its twin binds it as an XPath variable. The XML-bodied
endpoints are called only from the single-page app's JavaScript (see ``spa.py``)."""

from __future__ import annotations

import html
import os
import stat
from collections.abc import Awaitable, Callable

from lxml import etree
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import links, page

SECTION = links(
    [
        ("/xpath/user?name=alice", "Find alice"),
        ("/xpath/user-safe?name=alice", "Find alice (safe)"),
        ("/app", "Import items and look up users (JavaScript app)"),
    ]
)


class _RegularFilesOnly(etree.Resolver):
    """Lets external entities read regular files only, so that a ``/dev/random``
    entity cannot hang the server; everything else resolves as lxml would."""

    # lxml passes the parser context as a third argument; its stubs leave it out.
    def resolve(self, system_url: str, public_id: str, context: object = None) -> object:
        path = system_url.removeprefix("file://") if system_url else ""
        if path.startswith("/"):
            try:
                regular = stat.S_ISREG(os.stat(path).st_mode)
            except OSError:
                regular = True  # missing: let lxml fail the way it does
            if not regular:
                return self.resolve_string("", context, base_url=None)
        return None


def _parser(resolve_entities: bool) -> etree.XMLParser:
    parser = etree.XMLParser(
        resolve_entities=resolve_entities, no_network=True, load_dtd=resolve_entities
    )
    parser.resolvers.add(_RegularFilesOnly())
    return parser


class XmlError(Exception):
    pass


def parse(body: bytes, *, resolve_entities: bool) -> etree._Element:
    try:
        return etree.fromstring(body, _parser(resolve_entities))
    except etree.XMLSyntaxError as error:
        raise XmlError(f"lxml.etree.XMLSyntaxError: {error}") from error


def find_users(users: etree._Element, name: str, *, safe: bool) -> list[etree._Element]:
    """Users called ``name``. Raises ``XmlError`` with lxml's message on a bad query."""
    try:
        if safe:
            found = users.xpath("//user[name/text()=$name]", name=name)
        else:
            found = users.xpath(f"//user[name/text()='{name}']")
    except etree.XPathError as error:
        raise XmlError(f"lxml.etree.{type(error).__name__}: {error}") from error
    if not isinstance(found, list):
        return []
    return [item for item in found if isinstance(item, etree._Element)]


def users_html(users: list[etree._Element]) -> str:
    if not users:
        return "<p>No such user.</p>"
    rows = "".join(
        f"<li>{html.escape(user.findtext('name') or '')} "
        f"({html.escape(user.findtext('role') or '')}, "
        f"{html.escape(user.findtext('email') or '')})</li>"
        for user in users
    )
    return f"<ul class='users'>{rows}</ul>"


def _error(error: XmlError) -> HTMLResponse:
    return HTMLResponse(f"<pre>{html.escape(str(error))}</pre>", status_code=500)


def routes(state: AppState) -> list[BaseRoute]:
    def user(safe: bool) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            name = request.query_params.get("name", "")
            try:
                found = find_users(state.users_xml, name, safe=safe)
            except XmlError as error:
                return page("Error", f"<pre>{html.escape(str(error))}</pre>", status=500)
            return page("Users", users_html(found))

        return endpoint

    def lookup(safe: bool) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            # The lookup document itself is parsed safely: only the XPath is injectable.
            try:
                document = parse(await request.body(), resolve_entities=False)
                found = find_users(state.users_xml, document.findtext("name") or "", safe=safe)
            except XmlError as error:
                return _error(error)
            return HTMLResponse(users_html(found))

        return endpoint

    def import_items(resolve_entities: bool) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                document = parse(await request.body(), resolve_entities=resolve_entities)
            except XmlError as error:
                return _error(error)
            names = [item.findtext("name") or "" for item in document.iter("item")]
            rows = "".join(f"<li>{html.escape(name)}</li>" for name in names)
            return HTMLResponse(f"<p>Imported {len(names)} items:</p><ul>{rows}</ul>")

        return endpoint

    def section(_: Request) -> Response:
        return page("XML", SECTION)

    return [
        Route("/xml/", section),
        Route("/xml", lambda _: RedirectResponse("/xml/")),
        Route("/xpath/user", user(safe=False)),
        Route("/xpath/user-safe", user(safe=True)),
        Route("/xhr/user-lookup", lookup(safe=False), methods=["POST"]),
        Route("/xhr/user-lookup-safe", lookup(safe=True), methods=["POST"]),
        Route("/xml/import", import_items(resolve_entities=True), methods=["POST"]),
        Route("/xml/import-safe", import_items(resolve_entities=False), methods=["POST"]),
    ]

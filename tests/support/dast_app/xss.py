"""Cross-site scripting (CWE-79): reflected in element, attribute and script contexts,
through query, form (urlencoded, multipart, hidden), parameter names and headers; stored
in a guestbook. Every vulnerable page has a twin that encodes for its context."""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.state import AppState, GuestbookEntry
from tests.support.dast_app.web import body_fields, field, links, page

Encoder = Callable[[str], str]


def _raw(value: str) -> str:
    return value


def _script_string(value: str) -> str:
    """A JavaScript string literal that cannot end the script element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")


def _raw_script_string(value: str) -> str:
    # The classic mistake: quotes added by hand around the raw value.
    return f"'{value}'"


SECTION = (
    """
<h2>Search (element context)</h2>
<form action="/xss/search" method="get"><input name="q" value="garden">
<button>Search</button></form>
<form action="/xss/search-safe" method="get"><input name="q" value="garden">
<button>Search (safe)</button></form>
<h2>Profile card (attribute context)</h2>
"""
    + links(
        [
            ("/xss/profile?name=alice", "Alice's card"),
            ("/xss/profile-safe?name=alice", "Alice's card (safe)"),
            ("/xss/widget?user=alice", "Greeting widget (script context)"),
            ("/xss/widget-safe?user=alice", "Greeting widget (safe)"),
            ("/xss/filter?color=red&size=m", "Filter echo (parameter names)"),
            ("/xss/filter-safe?color=red&size=m", "Filter echo (safe)"),
            ("/xss/browser", "Which browser am I using? (User-Agent)"),
            ("/xss/browser-safe", "Which browser am I using? (safe)"),
            ("/xss/back", "Back to where I came from (Referer)"),
            ("/xss/back-safe", "Back to where I came from (safe)"),
            ("/guestbook", "Guestbook"),
            ("/guestbook-safe", "Guestbook (safe)"),
        ]
    )
    + """
<h2>Preview (hidden field)</h2>
<form action="/xss/preview" method="post">
<input name="title" value="My post"><input type="hidden" name="return_to" value="/xss/">
<button>Preview</button></form>
<form action="/xss/preview-safe" method="post">
<input name="title" value="My post"><input type="hidden" name="return_to" value="/xss/">
<button>Preview (safe)</button></form>
<h2>Upload (multipart)</h2>
<form action="/xss/upload" method="post" enctype="multipart/form-data">
<input name="caption" value="Holiday"><input type="file" name="document">
<button>Upload</button></form>
<form action="/xss/upload-safe" method="post" enctype="multipart/form-data">
<input name="caption" value="Holiday"><input type="file" name="document">
<button>Upload (safe)</button></form>
<h2>Notification settings (field names)</h2>
<form action="/xss/fields" method="post">
<input name="opt_email" value="on"><input name="opt_sms" value="off"><button>Save</button></form>
<form action="/xss/fields-safe" method="post">
<input name="opt_email" value="on"><input name="opt_sms" value="off">
<button>Save (safe)</button></form>
"""
)


def routes(state: AppState) -> list[BaseRoute]:
    def element(encode: Encoder) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            query = request.query_params.get("q", "")
            return page("Search", f"<p>Results for <b>{encode(query)}</b>: none.</p>")

        return endpoint

    def attribute(encode: Encoder) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            name = request.query_params.get("name", "")
            # html.escape without quote=True would leave the attribute open: encode quotes.
            return page(
                "Profile",
                f"<div class='card' title=\"{encode(name)}\">Profile card</div>",
            )

        return endpoint

    def script(encode: Encoder) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            user = request.query_params.get("user", "")
            return page(
                "Widget",
                "<div id='greeting'></div>\n<script>\n"
                f"var user = {encode(user)};\n"
                "document.getElementById('greeting').textContent = 'Hello ' + user;\n"
                "</script>",
            )

        return endpoint

    def names(encode: Encoder) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            fields = await body_fields(request)
            rows = "".join(
                f"<li>{encode(item.name)} = {html.escape(item.value)}</li>" for item in fields
            )
            return page("Settings", f"<p>You chose:</p><ul>{rows}</ul>")

        return endpoint

    def browser(encode: Encoder) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            agent = request.headers.get("user-agent", "")
            return page("Your browser", f"<p>You are using <code>{encode(agent)}</code>.</p>")

        return endpoint

    def back(encode: Encoder) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            referer = request.headers.get("referer", "/")
            return page("Go back", f"<p><a id='back' href=\"{encode(referer)}\">Back</a></p>")

        return endpoint

    def preview(encode: Encoder) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            fields = await body_fields(request)
            title = field(fields, "title")
            return_to = field(fields, "return_to", "/")
            return page(
                "Preview",
                f"<h2>{html.escape(title)}</h2>\n"
                f'<p><a href="{encode(return_to)}">Back to editing</a></p>',
            )

        return endpoint

    def upload(encode: Encoder) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            fields = await body_fields(request)
            caption = field(fields, "caption")
            document = next((item for item in fields if item.name == "document"), None)
            size = len(document.value) if document else 0
            return page(
                "Uploaded",
                f"<figure><figcaption>{encode(caption)}</figcaption></figure>"
                f"<p>{size} characters received.</p>",
            )

        return endpoint

    def guestbook(entries_safe: bool) -> Callable[[Request], Response]:
        entries = state.guestbook_safe if entries_safe else state.guestbook
        encode: Encoder = html.escape if entries_safe else _raw
        action = "/guestbook-safe/sign" if entries_safe else "/guestbook/sign"

        def endpoint(request: Request) -> Response:
            rows = "".join(
                f"<li><b>{html.escape(entry.name)}</b>: {encode(entry.message)}</li>\n"
                for entry in entries
            )
            return page(
                "Guestbook",
                f"<ul id='entries'>\n{rows}</ul>\n"
                f"<form action='{action}' method='post'><input name='name' value='visitor'>"
                "<textarea name='message'>Hello!</textarea><button>Sign</button></form>",
            )

        return endpoint

    def sign(entries_safe: bool) -> Callable[[Request], Awaitable[Response]]:
        entries = state.guestbook_safe if entries_safe else state.guestbook
        target = "/guestbook-safe" if entries_safe else "/guestbook"

        async def endpoint(request: Request) -> Response:
            fields = await body_fields(request)
            entries.append(GuestbookEntry(field(fields, "name"), field(fields, "message")))
            # Nothing of the entry is echoed: only the guestbook page shows it.
            return page("Thank you", f"<p>Saved. <a href='{target}'>See the guestbook</a>.</p>")

        return endpoint

    def section(_: Request) -> Response:
        return page("Cross-site scripting", SECTION)

    def escape(value: str) -> str:
        return html.escape(value, quote=True)

    return [
        Route("/xss/", section),
        Route("/xss", lambda _: RedirectResponse("/xss/")),
        Route("/xss/search", element(_raw)),
        Route("/xss/search-safe", element(escape)),
        Route("/xss/profile", attribute(_raw)),
        Route("/xss/profile-safe", attribute(escape)),
        Route("/xss/widget", script(_raw_script_string)),
        Route("/xss/widget-safe", script(_script_string)),
        Route("/xss/filter", names(_raw)),
        Route("/xss/filter-safe", names(escape)),
        Route("/xss/fields", names(_raw), methods=["POST"]),
        Route("/xss/fields-safe", names(escape), methods=["POST"]),
        Route("/xss/browser", browser(_raw)),
        Route("/xss/browser-safe", browser(escape)),
        Route("/xss/back", back(_raw)),
        Route("/xss/back-safe", back(_safe_href)),
        Route("/xss/preview", preview(_raw), methods=["POST"]),
        Route("/xss/preview-safe", preview(_safe_href), methods=["POST"]),
        Route("/xss/upload", upload(_raw), methods=["POST"]),
        Route("/xss/upload-safe", upload(escape), methods=["POST"]),
        Route("/guestbook", guestbook(entries_safe=False)),
        Route("/guestbook-safe", guestbook(entries_safe=True)),
        Route("/guestbook/sign", sign(entries_safe=False), methods=["POST"]),
        Route("/guestbook-safe/sign", sign(entries_safe=True), methods=["POST"]),
    ]


def _safe_href(value: str) -> str:
    """An attribute-encoded URL that cannot carry a ``javascript:`` (or other) scheme."""
    if not value.startswith(("/", "http://", "https://")) or value.startswith("//"):
        value = "/"
    return html.escape(value, quote=True)

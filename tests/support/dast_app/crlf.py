"""HTTP response splitting (CWE-113): the ``lang`` value goes into a
``Content-Language`` header verbatim, as frameworks that write header lines without
checking them do, so CR/LF in it start new header lines, or the body. Starlette and h11
refuse such values, hence the app splits the lines itself (``split_header_value``). The
twin removes CR and LF first."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import RawHeaderResponse, layout, links, page, split_header_value

SECTION = links(
    [
        ("/crlf/lang?lang=en", "Switch to English"),
        ("/crlf/lang-safe?lang=en", "Switch to English (safe)"),
    ]
)


def _strip_line_breaks(value: str) -> str:
    return value.replace("\r", "").replace("\n", "")


def routes(state: AppState) -> list[BaseRoute]:
    del state  # headers keep nothing

    def lang(clean: Callable[[str], str]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            value = clean(request.query_params.get("lang", "en"))
            headers, body_prefix = split_header_value("Content-Language", value)
            body = layout("Language", "<p>Language saved.</p>").encode()
            return RawHeaderResponse(body_prefix + body, headers)

        return endpoint

    def section(_: Request) -> Response:
        return page("Header injection", SECTION)

    return [
        Route("/crlf/", section),
        Route("/crlf", lambda _: RedirectResponse("/crlf/")),
        Route("/crlf/lang", lang(lambda value: value)),
        Route("/crlf/lang-safe", lang(_strip_line_breaks)),
    ]

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from bastion.dast.checks.active.crlf import CrlfInjection
from bastion.dast.model import HttpRequest, HttpResponse, Location
from tests.dast.checks.active.fakes import App, get, page, param, scan


def cookie_app(*, decode_twice: bool = False, strip: bool = False, header: str = "") -> App:
    """Sets ``lang`` in a cookie the naive way: the value goes into the header block as
    is, so a line break in it starts a header of its own."""

    def handle(request: HttpRequest) -> HttpResponse:
        value = request.header(header) or "" if header else param(request, "lang")
        if decode_twice:
            value = unquote(value)
        if strip:
            value = value.replace("\r", "").replace("\n", "")
        lines = re.split(r"\r?\n", f"Set-Cookie: lang={value}")
        headers = [tuple(line.split(": ", 1)) for line in lines if ": " in line]
        return page("<p>ok</p>", headers=[(h[0], h[1]) for h in headers if len(h) == 2])

    return handle


URL = "http://app.test/lang?lang=en"


@pytest.mark.parametrize("decode_twice", [False, True])
def test_injected_header(decode_twice: bool) -> None:
    finding, probe = scan(
        CrlfInjection(), cookie_app(decode_twice=decode_twice), get(URL), name="lang"
    )
    assert finding is not None
    assert "X-Bastion-Crlf" in (finding.response_excerpt or "")
    assert finding.request in probe.sent
    assert finding.confirmations


def test_stripped_line_breaks_are_safe() -> None:
    finding, _ = scan(CrlfInjection(), cookie_app(strip=True), get(URL), name="lang")
    assert finding is None


def test_request_headers_get_only_encoded_payloads() -> None:
    request = HttpRequest("GET", URL, headers=(("Accept-Language", "en"),))
    app = cookie_app(decode_twice=True, header="Accept-Language")
    finding, probe = scan(CrlfInjection(), app, request, Location.HEADER, "Accept-Language")
    assert finding is not None
    assert all("\r" not in (r.header("Accept-Language") or "") for r in probe.sent)
    assert all("\n" not in (r.header("Accept-Language") or "") for r in probe.sent)

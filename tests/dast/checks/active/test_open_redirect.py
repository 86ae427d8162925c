from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from bastion.dast.checks.active.open_redirect import HOST, OpenRedirect, lands_on
from bastion.dast.model import (
    HttpRequest,
    HttpResponse,
    InputSource,
    InsertionPoint,
    Location,
    ScanInput,
)
from tests.dast.checks.active.fakes import App, escape, get, page, param, scan

URL = "http://app.test/login?next=/account"


def redirect_app(kind: str, *, safe: bool = False) -> App:
    def handle(request: HttpRequest) -> HttpResponse:
        target = param(request, "next")
        if safe and (urlsplit(target).netloc or target.startswith(("//", "/\\")) or "\\" in target):
            target = "/"
        if kind == "header":
            return page("", 302, headers=(("Location", target),))
        if kind == "meta":
            return page(f'<meta http-equiv="refresh" content="0; url={escape(target)}">')
        return page(f"<script>window.location.href = {json.dumps(target)};</script>")

    return handle


@pytest.mark.parametrize("kind", ["header", "meta", "script"])
def test_redirects_to_an_external_host(kind: str) -> None:
    finding, probe = scan(OpenRedirect(), redirect_app(kind), get(URL), name="next")
    assert finding is not None
    assert HOST in finding.evidence
    assert finding.request is probe.sent[0]
    assert finding.confirmations


@pytest.mark.parametrize("kind", ["header", "meta", "script"])
def test_relative_only_redirects_are_safe(kind: str) -> None:
    finding, _ = scan(OpenRedirect(), redirect_app(kind, safe=True), get(URL), name="next")
    assert finding is None


def test_prefix_check_bypassed_by_userinfo() -> None:
    def handle(request: HttpRequest) -> HttpResponse:
        target = param(request, "next")
        if not target.startswith("https://app.test"):
            target = "/"
        return page("", 302, headers=(("Location", target),))

    request = get("http://app.test/login?next=https://app.test/home")
    finding, _ = scan(OpenRedirect(), handle, request, name="next")
    assert finding is not None
    assert (finding.payload or "").startswith(f"https://app.test.{HOST}/")


def test_link_to_the_host_is_not_a_redirect() -> None:
    def handle(request: HttpRequest) -> HttpResponse:
        return page(f'<a href="{escape(param(request, "next"))}">continue</a>')

    finding, _ = scan(OpenRedirect(), handle, get(URL), name="next")
    assert finding is None


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (f"https://{HOST}/x", True),
        (f"//{HOST}/x", True),
        (f"/\\{HOST}/x", True),
        (f" \thttps://{HOST}", True),
        (f"https://app.test@{HOST}/", True),
        (f"https://{HOST}.app.test/", False),
        (f"/login?next=https://{HOST}/", False),
        ("http://[::1", False),
    ],
)
def test_lands_on(location: str, expected: bool) -> None:
    assert lands_on(location, "http://app.test/login") is expected


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("next", "", True),
        ("returnUrl", "x", True),
        ("q", "https://other.test/", True),
        ("q", "/home", True),
        ("q", "shoes", False),
        ("page_size", "10", True),
        ("token", "abc", False),
    ],
)
def test_applies_to_destination_like_inputs(name: str, value: str, expected: bool) -> None:
    target = ScanInput(get("http://app.test/"), InputSource.LINK)
    assert (
        OpenRedirect().applies_to(target, InsertionPoint(Location.QUERY, name, value)) is expected
    )

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from bastion.dast.checks.active.xss_stored import StoredXss
from bastion.dast.model import (
    HttpRequest,
    HttpResponse,
    InputSource,
    InsertionPoint,
    Location,
    ScanInput,
)
from tests.dast.checks.active.fakes import App, escape, page, scan

FORM = "application/x-www-form-urlencoded"


def guestbook(*, escaped: bool) -> App:
    comments: list[str] = []

    def handle(request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            comments.append(dict(parse_qsl(request.body.decode())).get("text", ""))
            return page("<p>Thanks!</p>")
        if request.url.endswith("/comments"):
            shown = (escape(c) if escaped else c for c in comments)
            return page("<ul>" + "".join(f"<li>{c}</li>" for c in shown) + "</ul>")
        return page(
            '<form method="post" action="/comment"><textarea name="text"></textarea></form>'
        )

    return handle


def post() -> HttpRequest:
    return HttpRequest(
        "POST", "http://app.test/comment", body=b"text=hi&name=ann", content_type=FORM
    )


PAGES = ("http://app.test/", "http://app.test/comments")


def test_stored_and_shown_elsewhere() -> None:
    finding, probe = scan(
        StoredXss(), guestbook(escaped=False), post(), Location.FORM, "text", pages=PAGES
    )
    assert finding is not None
    assert finding.request is probe.sent[0]
    assert "http://app.test/comments" in finding.evidence
    assert finding.confirmations
    assert probe.revisited == 2 * len(PAGES)


def test_stored_but_escaped() -> None:
    finding, probe = scan(
        StoredXss(), guestbook(escaped=True), post(), Location.FORM, "text", pages=PAGES
    )
    assert finding is None
    assert len(probe.sent) == 1


def test_reflected_only_is_not_stored() -> None:
    def reflect(request: HttpRequest) -> HttpResponse:
        return page(f"<p>{dict(parse_qsl(request.body.decode())).get('text', '')}</p>")

    finding, _ = scan(StoredXss(), reflect, post(), Location.FORM, "text", pages=PAGES)
    assert finding is None


@pytest.mark.parametrize(
    ("method", "location", "expected"),
    [
        ("GET", Location.QUERY, False),
        ("POST", Location.QUERY, True),
        ("GET", Location.COOKIE, False),
    ],
)
def test_applies_to(method: str, location: Location, expected: bool) -> None:
    target = ScanInput(HttpRequest(method, "http://app.test/?a=1"), InputSource.FORM)
    assert StoredXss().applies_to(target, InsertionPoint(location, "a", "1")) is expected

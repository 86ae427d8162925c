"""Scope, logout and static detection, URL normalisation, deduplication and cookies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.crawler.cookies import SessionCookies
from bastion.dast.crawler.errors import ScopeError
from bastion.dast.crawler.frontier import Frontier, InputSet, input_key, normalize_url
from bastion.dast.crawler.scope import Scope, is_logout, is_static
from bastion.dast.model import HttpRequest, HttpResponse, InputSource, ScanInput


def test_same_origin_by_default() -> None:
    scope = Scope("http://site.test/app/")
    assert scope.contains("http://site.test/other")
    assert scope.contains("http://SITE.test:80/x")
    assert not scope.contains("https://site.test/")
    assert not scope.contains("http://site.test:8080/")
    assert not scope.contains("http://evil.test/")
    assert not scope.contains("mailto:a@site.test")


def test_include_replaces_the_origin_rule_and_exclude_wins() -> None:
    scope = Scope("http://site.test/", include=(r"^http://(site|api)\.test/",), exclude=("/admin",))
    assert scope.contains("http://api.test/v1")
    assert not scope.contains("http://site.test/admin/users")
    assert not scope.contains("http://cdn.test/")


def test_invalid_patterns_are_scope_errors() -> None:
    with pytest.raises(ScopeError):
        Scope("http://site.test/", include=("(",))
    with pytest.raises(ScopeError):
        Scope("not a url")


@pytest.mark.parametrize(
    ("url", "text", "expected"),
    [
        ("http://s/logout", "", True),
        ("http://s/account/sign-out?next=/", "", True),
        ("http://s/user/LogOff.aspx", "", True),
        ("http://s/auth?action=signout", "", True),
        ("http://s/x", "Log out", True),
        ("http://s/catalog-outlet", "", False),
        ("http://s/blog/outline", "", False),
        ("http://s/login", "Log in", False),
    ],
)
def test_logout_detection(url: str, text: str, expected: bool) -> None:
    assert is_logout(url, text) is expected


def test_static_detection() -> None:
    assert is_static("http://s/img/logo.PNG?v=2")
    assert is_static("http://s/fonts/a.woff2")
    assert is_static("http://s/dl/archive.tar.gz")
    assert not is_static("http://s/page.php")
    assert not is_static("http://s/app.js")
    assert not is_static("http://s/dir.png/")


def test_normalize_url() -> None:
    assert normalize_url("HTTP://Site.Test:80#x") == "http://site.test/"
    assert normalize_url("https://site.test:443/a?b=1#c") == "https://site.test/a?b=1"
    assert normalize_url("http://site.test:8080/a") == "http://site.test:8080/a"
    assert normalize_url("ftp://site.test/") is None
    assert normalize_url("http://[::1") is None


@given(st.text(max_size=200))
def test_normalize_url_never_raises_and_is_idempotent(text: str) -> None:
    normalized = normalize_url(text)
    if normalized is not None:
        assert normalize_url(normalized) == normalized


def test_frontier_caps_value_only_variants() -> None:
    frontier = Frontier(max_variants=3)
    admitted = [frontier.admit(f"http://s/item?id={n}") for n in range(10)]
    assert admitted == [True] * 3 + [False] * 7
    assert frontier.admit("http://s/item?id=1&page=2")  # other parameter names
    assert not frontier.admit("http://s/item?id=1")  # seen
    assert frontier.admit("http://s/item/1")
    assert frontier.admit("http://s/item/2")


def test_inputs_are_deduplicated_by_shape() -> None:
    inputs = InputSet()

    def add(request: HttpRequest) -> bool:
        return inputs.add(ScanInput(request, InputSource.LINK))

    assert add(HttpRequest("GET", "http://s/item?id=1"))
    assert not add(HttpRequest("GET", "http://s/item?id=999"))
    assert not add(HttpRequest("GET", "http://s/item?id=5#x"))
    assert add(HttpRequest("GET", "http://s/item?id=1&sort=a"))
    assert add(HttpRequest("POST", "http://s/item?id=1"))
    assert add(HttpRequest("GET", "http://s/user/17"))
    assert not add(HttpRequest("GET", "http://s/user/18"))
    json = "application/json"
    assert add(HttpRequest("POST", "http://s/api", body=b'{"a": 1}', content_type=json))
    assert not add(HttpRequest("POST", "http://s/api", body=b'{"a": 2}', content_type=json))
    assert add(HttpRequest("POST", "http://s/api", body=b'{"a": 1, "b": 2}', content_type=json))
    xml = "application/xml"
    assert add(HttpRequest("POST", "http://s/api", body=b"<a><b>1</b></a>", content_type=xml))
    assert not add(HttpRequest("POST", "http://s/api", body=b"<a><b>2</b></a>", content_type=xml))
    assert len(inputs) == 7


CONTENT_TYPES = [
    "application/json",
    "application/xml",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "",
    "text/plain",
]


@given(st.binary(max_size=300), st.sampled_from(CONTENT_TYPES))
def test_input_key_never_raises_on_any_body(body: bytes, content_type: str) -> None:
    input_key(HttpRequest("POST", "http://s/x", body=body, content_type=content_type))


def response_with_cookies(*values: str) -> HttpResponse:
    return HttpResponse("http://s/", 200, tuple(("Set-Cookie", v) for v in values), b"", 0.0)


def test_cookie_jar_ignores_attributes_and_honours_deletion() -> None:
    jar = SessionCookies()
    jar.update(
        response_with_cookies(
            "sid=abc; Secure; HttpOnly; Domain=other.test; Path=/admin",
            "pref=1; Max-Age=3600",
            "old=x",
            "bad name=1",
            "novalue",
        )
    )
    assert jar.pairs() == (("sid", "abc"), ("pref", "1"), ("old", "x"))
    jar.update(response_with_cookies("old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "sid=new"))
    assert jar.pairs() == (("sid", "new"), ("pref", "1"))
    assert jar.merged((("pref", "mine"), ("extra", "e"))) == (
        ("pref", "mine"),
        ("extra", "e"),
        ("sid", "new"),
    )


@given(st.lists(st.text(max_size=60), max_size=5))
def test_set_cookie_never_raises(headers: list[str]) -> None:
    SessionCookies().update(response_with_cookies(*headers))

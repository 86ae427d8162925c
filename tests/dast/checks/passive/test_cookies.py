"""Cookie flag rules and the Set-Cookie parser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.checks.passive._cookies import CookieFlagRule, parse_set_cookie, set_cookies
from bastion.dast.checks.passive.cookie_httponly import CookieWithoutHttpOnlyRule
from bastion.dast.checks.passive.cookie_samesite import CookieWithoutSameSiteRule
from bastion.dast.checks.passive.cookie_secure import CookieWithoutSecureRule
from tests.dast.checks.passive.recorded import HTML, exchange

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RULES: tuple[type[CookieFlagRule], ...] = (
    CookieWithoutSecureRule,
    CookieWithoutHttpOnlyRule,
    CookieWithoutSameSiteRule,
)


def _flagged(
    rule: type[CookieFlagRule], *set_cookie: str, url: str = "http://shop.example/login"
) -> list[str | None]:
    headers = (*HTML, *(("Set-Cookie", value) for value in set_cookie))
    return [finding.parameter for finding in rule().check(exchange(url, headers=headers))]


@pytest.mark.parametrize(
    ("header", "secure", "httponly", "samesite"),
    [
        ("sid=1; HttpOnly; Path=/; SameSite=Lax", True, False, False),
        ("sid=1; Secure; SameSite=Strict", False, True, False),
        ("sid=1; Secure; HttpOnly", False, False, True),
        ("sid=1; secure; httponly; samesite=lax", False, False, False),
        ("sid=1", True, True, True),
        ("sid=1; Secure; HttpOnly; SameSite=None", False, False, True),
        ("sid=1; Secure; HttpOnly; SameSite=Loose", False, False, True),
        ("sid=1;Secure;HttpOnly;SameSite = Strict", False, False, False),
    ],
)
def test_each_rule_checks_its_flag(
    header: str, secure: bool, httponly: bool, samesite: bool
) -> None:
    expected: dict[type[CookieFlagRule], bool] = {
        CookieWithoutSecureRule: secure,
        CookieWithoutHttpOnlyRule: httponly,
        CookieWithoutSameSiteRule: samesite,
    }
    for rule, flagged in expected.items():
        assert _flagged(rule, header) == (["sid"] if flagged else [])


def test_one_finding_per_cookie_named_by_the_cookie() -> None:
    found = _flagged(CookieWithoutSecureRule, "a=1", "b=2; Secure", "c=3", "a=4")
    assert found == ["a", "c"]


def test_secure_is_required_on_plain_http_too() -> None:
    assert _flagged(CookieWithoutSecureRule, "sid=1", url="http://127.0.0.1:8000/") == ["sid"]


def test_deleting_a_cookie_is_not_setting_one() -> None:
    for header in (
        "sid=; Path=/",
        "sid=x; Max-Age=0",
        "sid=x; Max-Age=-1",
        "sid=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ):
        assert _flagged(CookieWithoutSecureRule, header) == []
    assert _flagged(CookieWithoutSecureRule, "sid=x; Expires=Fri, 01 Jan 2100 00:00:00 GMT") == [
        "sid"
    ]


def test_evidence_hides_the_value() -> None:
    recorded = exchange(headers=(*HTML, ("Set-Cookie", "sid=s3cr3t-token; Path=/")))
    [finding] = CookieWithoutHttpOnlyRule().check(recorded)
    assert "s3cr3t" not in finding.evidence
    assert "sid=…; path=/" in finding.evidence


def test_cookies_on_any_response_count() -> None:
    headers = (("Content-Type", "application/json"), ("Set-Cookie", "token=1"))
    assert len(CookieWithoutSameSiteRule().check(exchange(status=302, headers=headers))) == 1


def test_samesite_evidence_says_what_is_wrong() -> None:
    def evidence(header: str) -> str:
        recorded = exchange(headers=(*HTML, ("Set-Cookie", header)))
        return CookieWithoutSameSiteRule().check(recorded)[0].evidence

    assert "no SameSite" in evidence("a=1")
    assert "invalid SameSite" in evidence("a=1; SameSite=Loose")
    assert "SameSite=None" in evidence("a=1; SameSite=None; Secure")


def test_parse_set_cookie() -> None:
    cookie = parse_set_cookie(" sid = abc=def ; Path=/ ; SECURE; SameSite=lax; samesite=Strict")
    assert cookie is not None
    assert (cookie.name, cookie.value) == ("sid", "abc=def")
    assert cookie.secure
    assert not cookie.httponly
    assert cookie.samesite == "strict"  # the last attribute of a name wins
    assert parse_set_cookie("no-equals-sign; Secure") is None
    assert parse_set_cookie("=value") is None


def test_unparseable_expiry_keeps_the_cookie() -> None:
    cookie = parse_set_cookie("a=1; Expires=not a date")
    assert cookie is not None
    assert not cookie.deletes(NOW)


_TOKEN = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
    min_size=1,
    max_size=10,
)


@given(
    name=_TOKEN,
    value=_TOKEN,
    secure=st.booleans(),
    httponly=st.booleans(),
    samesite=st.sampled_from([None, "Strict", "Lax", "None", "bogus"]),
)
def test_rendered_cookies_parse_back(
    name: str, value: str, secure: bool, httponly: bool, samesite: str | None
) -> None:
    parts = [f"{name}={value}", "Path=/"]
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        parts.append(f"SameSite={samesite}")
    cookie = parse_set_cookie("; ".join(parts))
    assert cookie is not None
    assert (cookie.name, cookie.value, cookie.secure, cookie.httponly) == (
        name,
        value,
        secure,
        httponly,
    )
    expected = samesite.lower() if samesite in ("Strict", "Lax", "None") else None
    assert cookie.samesite == expected


@given(st.lists(st.text(max_size=80), max_size=5))
def test_any_set_cookie_headers_parse_without_error(values: list[str]) -> None:
    recorded = exchange(headers=tuple(("Set-Cookie", value) for value in values))
    names = [cookie.name for cookie in set_cookies(recorded.response, NOW)]
    assert len(names) == len(set(names))
    for rule in RULES:
        rule().check(recorded)

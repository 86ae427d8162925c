"""The page-level header rules on recorded responses: each finds the missing or weak
header on HTML pages and stays quiet on good headers, error pages and non-HTML."""

from __future__ import annotations

import pytest

from bastion.dast.checks.base import PassiveRule
from bastion.dast.checks.passive.csp_missing import MissingCspRule
from bastion.dast.checks.passive.csp_weak import WeakCspRule
from bastion.dast.checks.passive.frame_missing import MissingFrameProtectionRule
from bastion.dast.checks.passive.hsts_missing import MissingHstsRule
from bastion.dast.checks.passive.referrer_policy_missing import MissingReferrerPolicyRule
from bastion.dast.checks.passive.xcto_missing import MissingXctoRule
from bastion.dast.model import Exchange
from tests.dast.checks.passive.recorded import HTML, exchange, html_with

GOOD = (
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'",
    ),
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)
HEADER_RULES: tuple[type[PassiveRule], ...] = (
    MissingCspRule,
    WeakCspRule,
    MissingHstsRule,
    MissingXctoRule,
    MissingFrameProtectionRule,
    MissingReferrerPolicyRule,
)


def _meta(tag: str) -> bytes:
    return f"<!doctype html><html><head>{tag}</head><body>x</body></html>".encode()


def _findings(rule: type[PassiveRule], recorded: Exchange) -> list[str]:
    return [finding.evidence for finding in rule().check(recorded)]


@pytest.mark.parametrize("rule", HEADER_RULES, ids=lambda rule: rule.rule_id)
def test_a_page_with_every_good_header_has_no_finding(rule: type[PassiveRule]) -> None:
    assert _findings(rule, html_with(*GOOD)) == []


@pytest.mark.parametrize(
    "rule",
    [
        MissingCspRule,
        MissingHstsRule,
        MissingXctoRule,
        MissingFrameProtectionRule,
        MissingReferrerPolicyRule,
    ],
    ids=lambda rule: rule.rule_id,
)
@pytest.mark.parametrize(
    "recorded",
    [
        exchange(status=404),
        exchange(status=500),
        exchange(status=302, body=b""),
        exchange(headers=(("Content-Type", "application/json"),), body=b"{}"),
        exchange(headers=(("Content-Type", "text/css"),), body=b"a{}"),
        exchange(headers=(("Content-Type", "image/png"),), body=b"\x89PNG"),
    ],
    ids=["404", "500", "302", "json", "css", "png"],
)
def test_missing_headers_are_reported_on_html_pages_only(
    rule: type[PassiveRule], recorded: Exchange
) -> None:
    assert _findings(rule, recorded) == []
    assert len(_findings(rule, html_with())) == 1


def test_a_page_without_content_type_is_recognised_by_its_start() -> None:
    recorded = exchange(headers=(), body=b"  <!DOCTYPE html><html><body>x</body></html>")
    assert len(_findings(MissingCspRule, recorded)) == 1
    assert _findings(MissingCspRule, exchange(headers=(), body=b"plain text")) == []


def test_missing_csp_accepts_a_meta_policy_but_not_report_only() -> None:
    meta = _meta("<meta http-equiv='Content-Security-Policy' content=\"default-src 'self'\">")
    assert _findings(MissingCspRule, html_with(body=meta)) == []
    report_only = html_with(("Content-Security-Policy-Report-Only", "default-src 'self'"))
    [evidence] = _findings(MissingCspRule, report_only)
    assert "Report-Only" in evidence


@pytest.mark.parametrize(
    ("policy", "problem"),
    [
        ("default-src 'self'; script-src 'self' 'unsafe-inline'", "'unsafe-inline'"),
        ("script-src 'self' 'unsafe-eval'", "'unsafe-eval'"),
        ("default-src *", "'*'"),
        ("script-src https: 'self'", "https:"),
        ("script-src data:", "data:"),
        ("frame-ancestors 'none'", "no script-src or default-src"),
        ("DEFAULT-SRC 'self'; SCRIPT-SRC 'UNSAFE-INLINE'", "'unsafe-inline'"),
        # The first script-src counts; a repeated directive is ignored by browsers.
        ("script-src 'unsafe-inline'; script-src 'self'", "'unsafe-inline'"),
    ],
)
def test_weak_csp_names_what_lets_scripts_in(policy: str, problem: str) -> None:
    [evidence] = _findings(WeakCspRule, html_with(("Content-Security-Policy", policy)))
    assert problem in evidence


@pytest.mark.parametrize(
    "policy",
    [
        "default-src 'self'",
        "script-src 'nonce-r4nd0m' 'unsafe-inline' 'strict-dynamic' https:; object-src 'none'",
        "script-src 'sha256-abc=' 'unsafe-inline'",
        "default-src 'none'; script-src https://cdn.example",
        "default-src 'self' 'unsafe-inline'; script-src 'self'",  # script-src governs
    ],
)
def test_strong_csp_is_not_weak(policy: str) -> None:
    assert _findings(WeakCspRule, html_with(("Content-Security-Policy", policy))) == []


def test_weak_csp_needs_every_enforced_policy_weak() -> None:
    weak = ("Content-Security-Policy", "script-src * 'unsafe-inline'")
    strong = ("Content-Security-Policy", "script-src 'self'")
    assert _findings(WeakCspRule, html_with(weak, strong)) == []
    assert (
        _findings(
            WeakCspRule, html_with(("Content-Security-Policy", "script-src *, script-src 'self'"))
        )
        == []
    )
    assert len(_findings(WeakCspRule, html_with(weak))) == 1
    # No policy at all is another rule's finding.
    assert _findings(WeakCspRule, html_with()) == []


def test_weak_csp_reads_meta_policies() -> None:
    meta = _meta('<meta http-equiv="content-security-policy" content="script-src \'unsafe-eval\'">')
    [evidence] = _findings(WeakCspRule, html_with(body=meta))
    assert evidence.startswith("<meta> policy")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "No Strict-Transport-Security"),
        ("max-age=0", "max-age=0"),
        ("includeSubDomains", "no valid max-age"),
        ("max-age=abc", "no valid max-age"),
    ],
)
def test_hsts_missing_on_https(value: str | None, problem: str) -> None:
    headers = () if value is None else (("Strict-Transport-Security", value),)
    [evidence] = _findings(MissingHstsRule, html_with(*headers))
    assert problem in evidence


def test_hsts_is_not_expected_on_plain_http() -> None:
    assert _findings(MissingHstsRule, html_with(url="http://shop.example/")) == []
    good = ("Strict-Transport-Security", 'max-age="63072000"; preload')
    assert _findings(MissingHstsRule, html_with(good)) == []


@pytest.mark.parametrize(
    ("headers", "found"),
    [
        ((), True),
        ((("X-Content-Type-Options", "nosniff"),), False),
        ((("X-Content-Type-Options", " NoSniff "),), False),
        ((("X-Content-Type-Options", "sniff"),), True),
    ],
)
def test_xcto(headers: tuple[tuple[str, str], ...], found: bool) -> None:
    assert bool(_findings(MissingXctoRule, html_with(*headers))) is found


@pytest.mark.parametrize(
    ("headers", "found"),
    [
        ((), True),
        ((("X-Frame-Options", "DENY"),), False),
        ((("X-Frame-Options", "sameorigin"),), False),
        ((("X-Frame-Options", "ALLOW-FROM https://a.example"),), True),
        ((("Content-Security-Policy", "frame-ancestors 'self'"),), False),
        ((("Content-Security-Policy", "default-src 'self'"),), True),
        ((("Content-Security-Policy-Report-Only", "frame-ancestors 'none'"),), True),
    ],
)
def test_frame_protection(headers: tuple[tuple[str, str], ...], found: bool) -> None:
    assert bool(_findings(MissingFrameProtectionRule, html_with(*headers))) is found


def test_frame_ancestors_in_a_meta_policy_does_not_count() -> None:
    meta = _meta("<meta http-equiv='Content-Security-Policy' content=\"frame-ancestors 'none'\">")
    assert len(_findings(MissingFrameProtectionRule, html_with(body=meta))) == 1


@pytest.mark.parametrize(
    ("headers", "body", "found"),
    [
        ((), None, "No Referrer-Policy"),
        ((("Referrer-Policy", "no-referrer"),), None, None),
        ((("Referrer-Policy", "unsafe-url"),), None, "unsafe-url"),
        # Browsers use the last policy they know.
        ((("Referrer-Policy", "unsafe-url, strict-origin, made-up"),), None, None),
        ((("Referrer-Policy", "made-up"),), None, "names no known policy"),
        ((), _meta('<meta name="referrer" content="same-origin">'), None),
    ],
)
def test_referrer_policy(
    headers: tuple[tuple[str, str], ...], body: bytes | None, found: str | None
) -> None:
    recorded = html_with(*headers) if body is None else html_with(*headers, body=body)
    evidence = _findings(MissingReferrerPolicyRule, recorded)
    if found is None:
        assert evidence == []
    else:
        assert len(evidence) == 1
        assert found in evidence[0]


def test_header_rules_are_site_wide_and_carry_the_page() -> None:
    for rule in (MissingCspRule, MissingXctoRule, MissingFrameProtectionRule):
        assert rule.scope == "site"
        [finding] = rule().check(html_with(url="https://shop.example/account?tab=1"))
        assert finding.url == "https://shop.example/account?tab=1"
        assert finding.parameter is None


def test_headers_are_matched_case_insensitively() -> None:
    lower = tuple((name.lower(), value) for name, value in GOOD)
    for rule in HEADER_RULES:
        assert _findings(rule, exchange(headers=(*HTML, *lower))) == []

"""Cookies set without a ``SameSite`` restriction: missing, invalid or ``None``, so the
browser attaches them to requests other sites trigger (CWE-1275), the basis of
cross-site request forgery."""

from __future__ import annotations

from typing import ClassVar

from bastion.dast.checks.passive._cookies import CookieFlagRule, SetCookie
from bastion.dast.model import Confidence, DastFinding, HttpRequest
from bastion.models import Severity


class CookieWithoutSameSiteRule(CookieFlagRule):
    rule_id: ClassVar[str] = "dast.cookies.no-samesite"
    name: ClassVar[str] = "Cookie without SameSite restriction"
    cwe: ClassVar[int] = 1275
    severity: ClassVar[Severity] = Severity.LOW
    confidence: ClassVar[Confidence] = Confidence.HIGH
    scope: ClassVar[str] = "endpoint"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A01", "WSTG-SESS-02")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/1275.html",
        "https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie#samesitesamesite-value",
    )
    description: ClassVar[str] = (
        "The response sets a cookie whose SameSite attribute is missing, not one of "
        "Strict/Lax/None, or None. Browsers differ in what they do without the attribute, "
        "and with None they send the cookie on requests that other sites start, which "
        "is what cross-site request forgery relies on."
    )
    remediation: ClassVar[str] = (
        "Set SameSite=Lax (or Strict for cookies no cross-site navigation needs) on every "
        "cookie; keep SameSite=None for cookies that truly must work in third-party "
        "contexts, always with Secure."
    )

    def problem(self, cookie: SetCookie) -> str | None:
        raw = cookie.attribute("samesite")
        if raw is None:
            return f"Cookie {cookie.name} has no SameSite attribute"
        if cookie.samesite is None:
            return f'Cookie {cookie.name} has an invalid SameSite value "{raw[:40]}"'
        if cookie.samesite == "none":
            return f"Cookie {cookie.name} is sent cross-site (SameSite=None)"
        return None

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/login"),
            parameter="sessionid",
            evidence=(
                "Cookie sessionid has no SameSite attribute: "
                "Set-Cookie: sessionid=…; path=/; secure; httponly"
            ),
        )

"""Cookies set without ``HttpOnly``: scripts on the page can read them, so one
cross-site scripting flaw hands them to an attacker (CWE-1004)."""

from __future__ import annotations

from typing import ClassVar

from bastion.dast.checks.passive._cookies import CookieFlagRule, SetCookie
from bastion.dast.model import Confidence, DastFinding, HttpRequest
from bastion.models import Severity


class CookieWithoutHttpOnlyRule(CookieFlagRule):
    rule_id: ClassVar[str] = "dast.cookies.no-httponly"
    name: ClassVar[str] = "Cookie without HttpOnly flag"
    cwe: ClassVar[int] = 1004
    severity: ClassVar[Severity] = Severity.LOW
    confidence: ClassVar[Confidence] = Confidence.HIGH
    scope: ClassVar[str] = "endpoint"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-SESS-02")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/1004.html",
        "https://owasp.org/www-community/HttpOnly",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie",
    )
    description: ClassVar[str] = (
        "The response sets a cookie without the HttpOnly attribute, so JavaScript on the "
        "page can read it through document.cookie. A single cross-site scripting flaw "
        "anywhere on the site is then enough to steal it."
    )
    remediation: ClassVar[str] = (
        "Add the HttpOnly attribute to every cookie scripts do not need to read, session "
        "cookies above all."
    )

    def problem(self, cookie: SetCookie) -> str | None:
        return None if cookie.httponly else f"Cookie {cookie.name} has no HttpOnly attribute"

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/login"),
            parameter="sessionid",
            evidence=(
                "Cookie sessionid has no HttpOnly attribute: "
                "Set-Cookie: sessionid=…; path=/; secure; samesite=Lax"
            ),
        )

"""Cookies set without ``Secure``: the browser also sends them over plain HTTP, where
anyone on the network reads them (CWE-614). Reported on plain-HTTP sites too: the flag
is about where the cookie may travel later, not about this response."""

from __future__ import annotations

from typing import ClassVar

from bastion.dast.checks.passive._cookies import CookieFlagRule, SetCookie
from bastion.dast.model import Confidence, DastFinding, HttpRequest
from bastion.models import Severity


class CookieWithoutSecureRule(CookieFlagRule):
    rule_id: ClassVar[str] = "dast.cookies.no-secure"
    name: ClassVar[str] = "Cookie without Secure flag"
    cwe: ClassVar[int] = 614
    severity: ClassVar[Severity] = Severity.LOW
    confidence: ClassVar[Confidence] = Confidence.HIGH
    scope: ClassVar[str] = "endpoint"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-SESS-02")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/614.html",
        "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie",
    )
    description: ClassVar[str] = (
        "The response sets a cookie without the Secure attribute. The browser will send "
        "it on any plain-HTTP request to the site as well, where it can be read or "
        "changed by anyone on the network path; for a session cookie that is the session."
    )
    remediation: ClassVar[str] = (
        "Add the Secure attribute to every cookie (most frameworks have a setting such as "
        "SESSION_COOKIE_SECURE), and serve the whole site over HTTPS."
    )

    def problem(self, cookie: SetCookie) -> str | None:
        return None if cookie.secure else f"Cookie {cookie.name} has no Secure attribute"

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/login"),
            parameter="sessionid",
            evidence=(
                "Cookie sessionid has no Secure attribute: "
                "Set-Cookie: sessionid=…; path=/; httponly; samesite=Lax"
            ),
        )

"""Pages without a Content-Security-Policy: nothing limits what an injected script can
load or run (CWE-693)."""

from __future__ import annotations

from typing import ClassVar

from bastion.dast.checks.base import PassiveRule
from bastion.dast.checks.passive._csp import enforced_policies
from bastion.dast.checks.passive._page import is_page
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest
from bastion.models import Severity


class MissingCspRule(PassiveRule):
    rule_id: ClassVar[str] = "dast.headers.csp-missing"
    name: ClassVar[str] = "Content-Security-Policy missing"
    cwe: ClassVar[int] = 693
    severity: ClassVar[Severity] = Severity.MEDIUM
    confidence: ClassVar[Confidence] = Confidence.HIGH
    scope: ClassVar[str] = "site"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-CONF-12")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/693.html",
        "https://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy",
    )
    description: ClassVar[str] = (
        "The page is served without a Content-Security-Policy, neither as a header nor as "
        "a <meta http-equiv> tag. A policy is the second line of defence against "
        "cross-site scripting and data injection: it decides which scripts, styles, "
        "frames and connections the browser accepts for the page."
    )
    remediation: ClassVar[str] = (
        "Send a Content-Security-Policy header on every HTML response, starting from "
        "\"default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'\" "
        "and allowing scripts by nonce or hash rather than 'unsafe-inline'. A "
        "Content-Security-Policy-Report-Only header helps to test a policy, but enforces "
        "nothing."
    )

    def check(self, exchange: Exchange) -> list[DastFinding]:
        response = exchange.response
        if not is_page(response) or enforced_policies(response):
            return []
        evidence = "No Content-Security-Policy header or <meta http-equiv> policy"
        if response.header("content-security-policy-report-only") is not None:
            evidence += " (only Content-Security-Policy-Report-Only, which enforces nothing)"
        return [self.make_finding(request=exchange.request, evidence=evidence)]

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/"),
            evidence="No Content-Security-Policy header or <meta http-equiv> policy",
        )

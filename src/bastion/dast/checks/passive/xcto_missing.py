"""Pages without ``X-Content-Type-Options: nosniff``: browsers may guess another type
for a response than the one it declares, and run uploaded text as script (CWE-693)."""

from __future__ import annotations

from typing import ClassVar

from bastion.dast.checks.base import PassiveRule
from bastion.dast.checks.passive._page import is_page
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest
from bastion.models import Severity


class MissingXctoRule(PassiveRule):
    rule_id: ClassVar[str] = "dast.headers.xcto-missing"
    name: ClassVar[str] = "X-Content-Type-Options missing"
    cwe: ClassVar[int] = 693
    severity: ClassVar[Severity] = Severity.LOW
    confidence: ClassVar[Confidence] = Confidence.HIGH
    scope: ClassVar[str] = "site"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-CONF-14")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/693.html",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Content-Type-Options",
        "https://owasp.org/www-project-secure-headers/",
    )
    description: ClassVar[str] = (
        'The site does not send "X-Content-Type-Options: nosniff". Browsers may then '
        "sniff a response's content and treat it as another type than the declared one, "
        "for example running a user-uploaded text file as a script or stylesheet."
    )
    remediation: ClassVar[str] = (
        'Send "X-Content-Type-Options: nosniff" on every response, and declare the right '
        "Content-Type for each."
    )

    def check(self, exchange: Exchange) -> list[DastFinding]:
        response = exchange.response
        if not is_page(response):
            return []
        value = response.header("x-content-type-options")
        if value is not None and value.strip().lower() == "nosniff":
            return []
        evidence = (
            "No X-Content-Type-Options header"
            if value is None
            else f'X-Content-Type-Options is "{value[:100]}", not "nosniff"'
        )
        return [self.make_finding(request=exchange.request, evidence=evidence)]

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/"),
            evidence="No X-Content-Type-Options header",
        )

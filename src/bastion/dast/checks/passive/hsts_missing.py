"""HTTPS pages without Strict-Transport-Security: the first plain-HTTP request of a
visit can be intercepted and the user kept on HTTP (CWE-319). Plain-HTTP sites are not
judged here: browsers ignore the header on HTTP responses."""

from __future__ import annotations

import re
from typing import ClassVar

from bastion.dast.checks.base import PassiveRule
from bastion.dast.checks.passive._page import is_https, is_page
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest
from bastion.models import Severity

_MAX_AGE = re.compile(r"""(?:^|;)\s*max-age\s*=\s*"?(\d+)"?\s*(?:;|$)""", re.IGNORECASE)


def hsts_problem(value: str | None) -> str | None:
    """Why the header value does not protect; None when it does (RFC 6797 §6.1)."""
    if value is None:
        return "No Strict-Transport-Security header on an HTTPS page"
    match = _MAX_AGE.search(value)
    if match is None:
        return f'Strict-Transport-Security "{value[:200]}" has no valid max-age'
    if int(match.group(1)) == 0:
        return f'Strict-Transport-Security "{value[:200]}" switches HSTS off (max-age=0)'
    return None


class MissingHstsRule(PassiveRule):
    rule_id: ClassVar[str] = "dast.headers.hsts-missing"
    name: ClassVar[str] = "Strict-Transport-Security missing"
    cwe: ClassVar[int] = 319
    severity: ClassVar[Severity] = Severity.LOW
    confidence: ClassVar[Confidence] = Confidence.HIGH
    scope: ClassVar[str] = "site"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-CONF-07")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/319.html",
        "https://www.rfc-editor.org/rfc/rfc6797",
        "https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Strict_Transport_Security_Cheat_Sheet.html",
    )
    description: ClassVar[str] = (
        "An HTTPS page is served without a Strict-Transport-Security header, or with one "
        "whose max-age is missing or zero. Without it, a browser that is sent to http:// "
        "(a typed address, an old link) makes that request in clear text, where an "
        "attacker on the network can answer it and strip TLS from the whole visit."
    )
    remediation: ClassVar[str] = (
        'Send "Strict-Transport-Security: max-age=31536000; includeSubDomains" on every '
        "HTTPS response (add preload once every subdomain serves HTTPS) and redirect "
        "HTTP to HTTPS."
    )

    def check(self, exchange: Exchange) -> list[DastFinding]:
        response = exchange.response
        if not is_https(exchange.request, response) or not is_page(response):
            return []
        problem = hsts_problem(response.header("strict-transport-security"))
        if problem is None:
            return []
        return [self.make_finding(request=exchange.request, evidence=problem)]

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/"),
            evidence="No Strict-Transport-Security header on an HTTPS page",
        )

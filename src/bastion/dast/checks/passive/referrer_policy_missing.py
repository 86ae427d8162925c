"""Pages without a Referrer-Policy (or with ``unsafe-url``): full URLs, with the tokens
and identifiers their query strings carry, may be sent to every site the page links to
or loads from (CWE-200)."""

from __future__ import annotations

from typing import ClassVar

from bastion.dast.checks.base import PassiveRule
from bastion.dast.checks.passive._page import is_page, meta_content, text_of
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest
from bastion.models import Severity

# The policies of the Referrer Policy spec (§3); browsers use the last known one of a list.
KNOWN_POLICIES = frozenset(
    {
        "no-referrer",
        "no-referrer-when-downgrade",
        "same-origin",
        "origin",
        "strict-origin",
        "origin-when-cross-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
    }
)


def effective_policy(value: str) -> str | None:
    """The policy a browser applies for a header value: the last known token."""
    tokens = [token.strip().lower() for token in value.split(",")]
    known = [token for token in tokens if token in KNOWN_POLICIES]
    return known[-1] if known else None


class MissingReferrerPolicyRule(PassiveRule):
    rule_id: ClassVar[str] = "dast.headers.referrer-policy-missing"
    name: ClassVar[str] = "Referrer-Policy missing"
    cwe: ClassVar[int] = 200
    severity: ClassVar[Severity] = Severity.LOW
    confidence: ClassVar[Confidence] = Confidence.HIGH
    scope: ClassVar[str] = "site"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-CONF-14")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/200.html",
        "https://www.w3.org/TR/referrer-policy/",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Referrer-Policy",
    )
    description: ClassVar[str] = (
        "The page sets no Referrer-Policy (header or <meta name=referrer>), or sets "
        "unsafe-url. The page's address then depends on each browser's default, or is "
        "always sent in full, to the sites it links to and loads resources from; "
        "addresses often carry session identifiers, reset tokens or search terms."
    )
    remediation: ClassVar[str] = (
        'Send "Referrer-Policy: strict-origin-when-cross-origin" (or no-referrer / '
        "same-origin for sensitive pages) on every HTML response."
    )

    def check(self, exchange: Exchange) -> list[DastFinding]:
        response = exchange.response
        if not is_page(response):
            return []
        values = response.header_values("referrer-policy")
        if not values:
            values = meta_content(text_of(response), name="referrer")
        if not values:
            evidence = "No Referrer-Policy header or <meta name=referrer>"
        else:
            policy = effective_policy(",".join(values))
            if policy is None:
                evidence = f'Referrer-Policy "{values[-1][:100]}" names no known policy'
            elif policy == "unsafe-url":
                evidence = "Referrer-Policy unsafe-url sends the full URL to every site"
            else:
                return []
        return [self.make_finding(request=exchange.request, evidence=evidence)]

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/"),
            evidence="No Referrer-Policy header or <meta name=referrer>",
        )

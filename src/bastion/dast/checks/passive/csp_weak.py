"""Content-Security-Policies that do not stop injected scripts: 'unsafe-inline',
'unsafe-eval', wildcards or whole schemes allowed to serve scripts, or no script
directive at all (CWE-693)."""

from __future__ import annotations

from typing import ClassVar

from bastion.dast.checks.base import PassiveRule
from bastion.dast.checks.passive._csp import Policy, enforced_policies
from bastion.dast.checks.passive._page import is_page
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest
from bastion.models import Severity

# Schemes that let anyone serve a script: every host of the scheme, or inline data.
_SCHEME_SOURCES = frozenset({"http:", "https:", "data:", "blob:", "filesystem:"})


def script_weaknesses(policy: Policy) -> list[str]:
    """Why ``policy`` would let an injected script run; empty when it would not.

    Under 'strict-dynamic' browsers ignore host and scheme sources and 'unsafe-inline';
    a nonce or hash also makes them ignore 'unsafe-inline' (CSP Level 3 §8.2, §8.3).
    """
    sources = policy.script_sources()
    if sources is None:
        return ["no script-src or default-src directive: scripts are unrestricted"]
    strict_dynamic = "'strict-dynamic'" in sources
    nonce_or_hash = any(
        source.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) for source in sources
    )
    problems: list[str] = []
    if "'unsafe-inline'" in sources and not (strict_dynamic or nonce_or_hash):
        problems.append("'unsafe-inline' allows inline scripts and event handlers")
    if "'unsafe-eval'" in sources:
        problems.append("'unsafe-eval' allows eval() and new Function()")
    if not strict_dynamic:
        if "*" in sources:
            problems.append("'*' allows scripts from any host")
        schemes = sorted(source for source in sources if source in _SCHEME_SOURCES)
        if schemes:
            problems.append(f"{', '.join(schemes)} allows scripts from any such URL")
    return problems


class WeakCspRule(PassiveRule):
    rule_id: ClassVar[str] = "dast.headers.csp-weak"
    name: ClassVar[str] = "Content-Security-Policy allows unsafe scripts"
    cwe: ClassVar[int] = 693
    severity: ClassVar[Severity] = Severity.MEDIUM
    confidence: ClassVar[Confidence] = Confidence.HIGH
    scope: ClassVar[str] = "site"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-CONF-12")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/693.html",
        "https://www.w3.org/TR/CSP3/",
        "https://cheatsheetseries.owasp.org/cheatsheets/Content_Security_Policy_Cheat_Sheet.html",
    )
    description: ClassVar[str] = (
        "The page has a Content-Security-Policy, but its script sources would let an "
        "injected script run: 'unsafe-inline' (without a nonce, hash or 'strict-dynamic'), "
        "'unsafe-eval', a '*' wildcard, a whole scheme such as https: or data:, or no "
        "script-src/default-src at all. When several policies apply, the page is reported "
        "only if every one of them is weak."
    )
    remediation: ClassVar[str] = (
        "Allow scripts by nonce or hash with 'strict-dynamic' (\"script-src 'nonce-…' "
        "'strict-dynamic'; object-src 'none'; base-uri 'none'\"), move inline event "
        "handlers into script files, and drop 'unsafe-eval', wildcards and scheme sources."
    )

    def check(self, exchange: Exchange) -> list[DastFinding]:
        response = exchange.response
        if not is_page(response):
            return []
        policies = enforced_policies(response)
        if not policies:
            return []  # no policy at all is the csp-missing rule's finding
        weaknesses = [script_weaknesses(policy) for policy in policies]
        if not all(weaknesses):
            return []
        where = "<meta> policy" if policies[0].from_meta else "Content-Security-Policy"
        evidence = f'{where} "{policies[0].raw[:300]}": {"; ".join(weaknesses[0])}'
        return [self.make_finding(request=exchange.request, evidence=evidence)]

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/"),
            evidence=(
                "Content-Security-Policy \"default-src 'self'; script-src 'self' "
                "'unsafe-inline'\": 'unsafe-inline' allows inline scripts and event handlers"
            ),
        )

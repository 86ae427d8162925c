"""Pages any site may frame: neither ``X-Frame-Options`` nor a CSP ``frame-ancestors``
directive, so a page of another site can overlay them and steal clicks (CWE-1021)."""

from __future__ import annotations

from typing import ClassVar

from bastion.dast.checks.base import PassiveRule
from bastion.dast.checks.passive._csp import enforced_policies
from bastion.dast.checks.passive._page import is_page
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest
from bastion.models import Severity

_PROTECTIVE_XFO = frozenset({"deny", "sameorigin"})


class MissingFrameProtectionRule(PassiveRule):
    rule_id: ClassVar[str] = "dast.headers.frame-missing"
    name: ClassVar[str] = "Clickjacking protection missing"
    cwe: ClassVar[int] = 1021
    severity: ClassVar[Severity] = Severity.MEDIUM
    confidence: ClassVar[Confidence] = Confidence.MEDIUM
    scope: ClassVar[str] = "site"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-CLNT-09")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/1021.html",
        "https://cheatsheetseries.owasp.org/cheatsheets/Clickjacking_Defense_Cheat_Sheet.html",
        "https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Frame-Options",
    )
    description: ClassVar[str] = (
        "The page neither sends X-Frame-Options (DENY or SAMEORIGIN) nor a "
        "Content-Security-Policy header with frame-ancestors, so any other site can load "
        "it in a frame and trick users into clicking its buttons (clickjacking). A "
        "frame-ancestors directive in a <meta> policy is ignored by browsers, and "
        "X-Frame-Options ALLOW-FROM is no longer supported."
    )
    remediation: ClassVar[str] = (
        "Send \"Content-Security-Policy: frame-ancestors 'self'\" (or 'none'), and "
        '"X-Frame-Options: DENY" or "SAMEORIGIN" for older browsers.'
    )

    def check(self, exchange: Exchange) -> list[DastFinding]:
        response = exchange.response
        if not is_page(response):
            return []
        xfo = response.header("x-frame-options")
        if xfo is not None and xfo.strip().lower() in _PROTECTIVE_XFO:
            return []
        if any(
            policy.get("frame-ancestors") is not None
            for policy in enforced_policies(response)
            if not policy.from_meta
        ):
            return []
        evidence = "No X-Frame-Options header and no CSP frame-ancestors directive"
        if xfo is not None:
            evidence = (
                f'X-Frame-Options "{xfo[:100]}" is not DENY or SAMEORIGIN, '
                "and there is no CSP frame-ancestors directive"
            )
        return [self.make_finding(request=exchange.request, evidence=evidence)]

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/account"),
            evidence="No X-Frame-Options header and no CSP frame-ancestors directive",
        )

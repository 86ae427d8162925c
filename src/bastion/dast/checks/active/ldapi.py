"""LDAP injection (ZAP rule 40015): filter errors, then a boolean test.

Error-based: filter metacharacters (unbalanced parentheses) make the page show an LDAP
library's filter error, absent from the baseline, for two different payloads.

Boolean-based: ``*`` matches every entry where a random value matches none; the pages
must differ. A second pair that only an LDAP filter reads the same way (``*)(objectClass=*``
adds an always-true term; the random twin an always-false one) must split the same way,
and the original value must still give the original page. A glob-style search (where
``*`` is a wildcard but parentheses are text) fails the second pair.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from bastion.dast.checks.base import ActiveRule, Probe
from bastion.dast.checks.detect_errors import LDAP_ERRORS, new_error
from bastion.dast.checks.detect_probe import (
    Anchor,
    BooleanPair,
    Budgeted,
    BudgetSpent,
    boolean_differential,
)
from bastion.dast.model import Confidence, DastFinding, HttpRequest, Location
from bastion.models import Severity

ERROR_PAYLOADS = ("*)(&", ")(|(bstn=*", "*()|&'")


class LdapInjection(ActiveRule):
    rule_id: ClassVar[str] = "dast.ldapi"
    name: ClassVar[str] = "LDAP injection"
    cwe: ClassVar[int] = 90
    severity: ClassVar[Severity] = Severity.HIGH
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "A request parameter is pasted into an LDAP search filter: an attacker widens "
        "the search to other entries or attributes, which can bypass authentication or "
        "disclose the directory."
    )
    remediation: ClassVar[str] = (
        "Escape values for LDAP filters (RFC 4515: * ( ) \\ NUL) with the directory "
        "library's escaping function, or build filters with its filter API."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A03", "WSTG-INPV-06")
    references: ClassVar[tuple[str, ...]] = (
        "https://owasp.org/www-community/attacks/LDAP_Injection",
        "https://cheatsheetseries.owasp.org/cheatsheets/LDAP_Injection_Prevention_Cheat_Sheet.html",
        "https://cwe.mitre.org/data/definitions/90.html",
    )
    # Three error payloads and a confirmation, a boolean test of five.
    max_requests: ClassVar[int] = 9

    async def scan(self, probe: Probe) -> DastFinding | None:
        budget = Budgeted(probe, self.max_requests)
        try:
            return await self._errors(budget) or await self._boolean(budget)
        except BudgetSpent:
            return None

    async def _errors(self, probe: Budgeted) -> DastFinding | None:
        for index, payload in enumerate(ERROR_PAYLOADS):
            exchange = await probe.send(payload)
            error = new_error(exchange.response, probe.baseline, LDAP_ERRORS)
            if error is None:
                continue
            other = ERROR_PAYLOADS[(index + 1) % len(ERROR_PAYLOADS)]
            again = await probe.send(other)
            second = new_error(again.response, probe.baseline, LDAP_ERRORS)
            if second is None:
                return None
            return self.make_finding(
                request=exchange.request,
                evidence=(
                    f"LDAP filter error after {payload!r}: {error.text!r}; {other!r} "
                    f"gives {second.text!r}"
                ),
                parameter=probe.point.name,
                location=probe.point.location,
                payload=payload,
                response_excerpt=error.excerpt,
                confirmations=(again.request,),
            )
        return None

    async def _boolean(self, probe: Budgeted) -> DastFinding | None:
        nothing = "bstn" + secrets.token_hex(4)
        first = BooleanPair("*", nothing)
        second = BooleanPair("*)(objectClass=*", f"{nothing})(objectClass=*")
        proof = await boolean_differential(probe, first, second, append=False, anchor=Anchor.NONE)
        if proof is None:
            return None
        return self.make_finding(
            request=proof.true.request,
            evidence="LDAP filter logic: " + proof.evidence(first, second),
            parameter=probe.point.name,
            location=probe.point.location,
            payload="*",
            confirmations=tuple(e.request for e in proof.exchanges if e is not proof.true),
        )

    @classmethod
    def example(cls) -> DastFinding:
        request = HttpRequest("GET", "https://intranet.example/people?uid=%2A%29%28%26")
        return cls.make_finding(
            request=request,
            evidence=(
                "LDAP filter error after '*)(&': 'Bad search filter'; ')(|(bstn=*' gives "
                "'Bad search filter'"
            ),
            parameter="uid",
            location=Location.QUERY,
            payload="*)(&",
            response_excerpt="ldap_search(): Search: Bad search filter",
            confirmations=(
                HttpRequest("GET", "https://intranet.example/people?uid=%29%28%7C%28bstn%3D%2A"),
            ),
        )

"""XPath injection (ZAP rule 90021, plus a boolean test).

Error-based: a quote makes the page show an XPath engine's error (lxml/libxml2, Java
javax.xml.xpath and Xalan, .NET System.Xml.XPath, PHP SimpleXML/DOMXPath) absent from
the baseline; a second breaking payload must do the same.

Boolean-based: ``and`` conditions appended to the value (true keeps the page, false
changes it) confirmed by a pair using ``string-length()``, an XPath function SQL lacks,
so an SQL injection does not pass for an XPath one. ``or`` conditions (for values that
match nothing, like failed logins) are only sent with GET requests: against an SQL
UPDATE behind a POST an always-true ``or`` would touch every row.
"""

from __future__ import annotations

from typing import ClassVar

from bastion.dast.checks.base import ActiveRule, Probe
from bastion.dast.checks.detect_errors import XPATH_ERRORS, new_error
from bastion.dast.checks.detect_probe import (
    Anchor,
    BooleanPair,
    Budgeted,
    BudgetSpent,
    boolean_differential,
)
from bastion.dast.model import Confidence, DastFinding, HttpRequest, Location
from bastion.models import Severity

ERROR_PAYLOADS = ("'", '"')

AND_PAIRS = (
    BooleanPair("' and '1'='1", "' and '1'='2"),
    BooleanPair("' and string-length('ab')=2 and 'a'='a", "' and string-length('ab')=3 and 'a'='a"),
)
OR_PAIRS = (
    BooleanPair("' or '1'='1", "' or '1'='2"),
    BooleanPair("' or string-length('ab')=2 or 'a'='b", "' or string-length('ab')=3 or 'a'='b"),
)


class XpathInjection(ActiveRule):
    rule_id: ClassVar[str] = "dast.xpathi"
    name: ClassVar[str] = "XPath injection"
    cwe: ClassVar[int] = 643
    severity: ClassVar[Severity] = Severity.HIGH
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "A request parameter is pasted into an XPath expression: an attacker reads "
        "other parts of the XML document (users, passwords) or bypasses a login."
    )
    remediation: ClassVar[str] = (
        "Use parameterised XPath (variables such as $name bound by the library) or "
        "precompiled expressions; never concatenate values into XPath text."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A03", "WSTG-INPV-09")
    references: ClassVar[tuple[str, ...]] = (
        "https://owasp.org/www-community/attacks/XPATH_Injection",
        "https://cwe.mitre.org/data/definitions/643.html",
    )
    # Two error payloads and two confirmations; two boolean tests of four.
    max_requests: ClassVar[int] = 12

    async def scan(self, probe: Probe) -> DastFinding | None:
        budget = Budgeted(probe, self.max_requests)
        try:
            return await self._errors(budget) or await self._boolean(budget)
        except BudgetSpent:
            return None

    async def _errors(self, probe: Budgeted) -> DastFinding | None:
        for payload in ERROR_PAYLOADS:
            exchange = await probe.send(payload, append=True)
            error = new_error(exchange.response, probe.baseline, XPATH_ERRORS)
            if error is None:
                continue
            # Other payloads that break the same string literal.
            for other in (payload + ")", payload * 3):
                again = await probe.send(other, append=True)
                second = new_error(again.response, probe.baseline, XPATH_ERRORS)
                if second is None:
                    continue
                return self.make_finding(
                    request=exchange.request,
                    evidence=(
                        f"XPath error after appending {payload!r}: {error.text!r}; "
                        f"{other!r} gives {second.text!r}"
                    ),
                    parameter=probe.point.name,
                    location=probe.point.location,
                    payload=payload,
                    response_excerpt=error.excerpt,
                    confirmations=(again.request,),
                )
            return None
        return None

    async def _boolean(self, probe: Budgeted) -> DastFinding | None:
        tests = [(AND_PAIRS, Anchor.TRUE)]
        if probe.target.request.method.upper() in ("GET", "HEAD"):
            tests.append((OR_PAIRS, Anchor.FALSE))
        for (first, second), anchor in tests:
            proof = await boolean_differential(probe, first, second, append=True, anchor=anchor)
            if proof is None:
                continue
            return self.make_finding(
                request=proof.true.request,
                evidence="XPath condition: " + proof.evidence(first, second),
                parameter=probe.point.name,
                location=probe.point.location,
                payload=first.true,
                confirmations=tuple(e.request for e in proof.exchanges if e is not proof.true),
            )
        return None

    @classmethod
    def example(cls) -> DastFinding:
        request = HttpRequest("GET", "https://books.example/search?author=Austen%27")
        return cls.make_finding(
            request=request,
            evidence=(
                "XPath error after appending \"'\": 'XPathEvalError'; \"')\" gives 'XPathEvalError'"
            ),
            parameter="author",
            location=Location.QUERY,
            payload="'",
            response_excerpt="lxml.etree.XPathEvalError: Invalid predicate",
            confirmations=(HttpRequest("GET", "https://books.example/search?author=Austen%27%29"),),
        )

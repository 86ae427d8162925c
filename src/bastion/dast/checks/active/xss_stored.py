"""Stored cross-site scripting (ZAP rule 40014, simplified: one store, then revisit).

The payload closes the usual enclosing contexts (attribute quotes, comments,
<textarea>, <title>, <script>) and opens an element named after a unique token. After
storing it, the rule reloads the pages that may display it (the page that led to the
form, the form's own URL, a few pages of the site); the element must exist in one of
them, parsed as a browser would. A second store with a fresh token must show up too.
"""

from __future__ import annotations

from typing import ClassVar

from bastion.dast.checks.base import ActiveRule, Probe
from bastion.dast.checks.detect import find_text
from bastion.dast.checks.detect_html import injected_element, is_html
from bastion.dast.checks.detect_probe import Budgeted, BudgetSpent
from bastion.dast.model import (
    Confidence,
    DastFinding,
    Exchange,
    HttpRequest,
    InsertionPoint,
    Location,
    ScanInput,
)
from bastion.models import Severity

PAYLOAD = "'\"--></textarea></title></script><{t}>"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _shown_on(pages: list[Exchange], token: str) -> Exchange | None:
    for page in pages:
        if is_html(page.response) and injected_element(page.response.text, token):
            return page
    return None


class StoredXss(ActiveRule):
    rule_id: ClassVar[str] = "dast.xss.stored"
    name: ClassVar[str] = "Cross-site scripting (stored)"
    cwe: ClassVar[int] = 79
    severity: ClassVar[Severity] = Severity.HIGH
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "A value submitted to the application is stored and later shown on a page "
        "without encoding: every visitor of that page runs the attacker's script."
    )
    remediation: ClassVar[str] = (
        "Encode stored data for the context it is displayed in, with the template "
        "engine's auto-escaping; sanitise rich text with an allow-list HTML sanitiser."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A03", "WSTG-INPV-02")
    references: ClassVar[tuple[str, ...]] = (
        "https://owasp.org/www-community/attacks/xss/#stored-xss-attacks",
        "https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html",
        "https://cwe.mitre.org/data/definitions/79.html",
    )
    locations: ClassVar[frozenset[Location]] = frozenset(
        {Location.QUERY, Location.FORM, Location.JSON, Location.XML}
    )
    # Two stores; the revisited pages are fetched by the engine outside this budget.
    max_requests: ClassVar[int] = 2

    def applies_to(self, target: ScanInput, point: InsertionPoint) -> bool:
        if point.location not in self.locations:
            return False
        # A GET query string rarely stores anything; bodies of any method may.
        return point.location is not Location.QUERY or (
            target.request.method.upper() not in _SAFE_METHODS
        )

    async def scan(self, probe: Probe) -> DastFinding | None:
        budget = Budgeted(probe, self.max_requests)
        try:
            return await self._scan(budget)
        except BudgetSpent:
            return None

    async def _scan(self, probe: Budgeted) -> DastFinding | None:
        token = "bstn" + probe.marker().lower() + "s"
        payload = PAYLOAD.replace("{t}", token)
        stored = await probe.send(payload)
        page = _shown_on(await probe.revisit(), token)
        if page is None:
            return None
        token2 = "bstn" + probe.marker().lower() + "t"
        payload2 = PAYLOAD.replace("{t}", token2)
        again = await probe.send(payload2)
        page2 = _shown_on(await probe.revisit(), token2)
        if page2 is None:
            return None
        return self.make_finding(
            request=stored.request,
            evidence=(
                f"the stored payload is a <{token}> element on {page.request.url}; a second "
                f"one (<{token2}>) shows on {page2.request.url}"
            ),
            parameter=probe.point.name,
            location=probe.point.location,
            payload=payload,
            response_excerpt=find_text(page.response.text, token),
            confirmations=(page.request, again.request, page2.request),
        )

    @classmethod
    def example(cls) -> DastFinding:
        request = HttpRequest(
            "POST",
            "https://blog.example/comments",
            body=b"text=%27%22--%3E%3C%2Ftextarea%3E%3C%2Ftitle%3E%3C%2Fscript%3E%3Cbstnab12s%3E",
            content_type="application/x-www-form-urlencoded",
        )
        return cls.make_finding(
            request=request,
            evidence="the stored payload is a <bstnab12s> element on https://blog.example/",
            parameter="text",
            location=Location.FORM,
            payload=PAYLOAD.replace("{t}", "bstnab12s"),
            response_excerpt="<li>'\"--&gt;<bstnab12s></bstnab12s></li>",
            confirmations=(HttpRequest("GET", "https://blog.example/"),),
        )

"""Reflected cross-site scripting (ZAP rule 40012, with a parser as judge).

A harmless marker is sent first; only when the page echoes it does the rule try
payloads, chosen for the context the marker landed in (between tags, in an attribute,
in a script string, in a <textarea>…). A payload counts only when the page, parsed as
a browser would, contains the element, event handler or script code it created; an
escaped echo is not a finding. A second payload with a fresh token must do the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from bastion.dast.checks.base import NAME_LOCATIONS, VALUE_LOCATIONS, ActiveRule, Probe
from bastion.dast.checks.detect import find_text
from bastion.dast.checks.detect_html import (
    Context,
    Proof,
    Reflection,
    injected_attribute,
    injected_element,
    injected_script,
    is_html,
    reflections,
)
from bastion.dast.checks.detect_probe import Budgeted, BudgetSpent
from bastion.dast.model import (
    Confidence,
    DastFinding,
    HttpRequest,
    Location,
)
from bastion.models import Severity

Check = Callable[[str, str], Proof | None]


@dataclass(frozen=True, slots=True)
class Attempt:
    """A payload template (``{t}`` is the token) and how to recognise success."""

    template: str
    check: Check
    append: bool = True

    def payload(self, token: str) -> str:
        return self.template.replace("{t}", token)


def _element(prefix: str = "") -> Attempt:
    return Attempt(prefix + "<{t}>", injected_element)


def attempts_for(reflection: Reflection) -> list[Attempt]:
    """Payloads that would escape ``reflection``'s context, most likely first."""
    context, quote, js = reflection.context, reflection.detail, reflection.js_quote
    if context is Context.HTML:
        return [_element()]
    if context is Context.RAWTEXT:
        return [_element(f"</{quote}>")]
    if context is Context.COMMENT:
        return [_element("-->")]
    if context is Context.SCRIPT:
        attempts = [_element("</script>")]
        if js in ("'", '"'):
            attempts.insert(0, Attempt(f"{js}-{{t}}-{js}", injected_script))
        elif js == "`":
            attempts.insert(0, Attempt("${{t}}", injected_script))
        elif js == "":
            attempts.insert(0, Attempt(";{t};", injected_script))
        return attempts
    if context is Context.EVENT:
        js_payload = f"{js}-{{t}}-{js}" if js in ("'", '"') else ";{t};"
        return [Attempt(js_payload, injected_attribute), _element(f"{quote}>")]
    if context is Context.URL:
        return [
            Attempt("javascript:{t}", injected_attribute, append=False),
            _element(f"{quote}>"),
        ]
    # Inside a tag: leave the attribute, add a handler, or leave the tag.
    handler = f"{quote} onmouseover={quote}{{t}}" if quote else " onmouseover={t} "
    return [Attempt(handler, injected_attribute), _element(f"{quote}>")]


class ReflectedXss(ActiveRule):
    rule_id: ClassVar[str] = "dast.xss.reflected"
    name: ClassVar[str] = "Cross-site scripting (reflected)"
    cwe: ClassVar[int] = 79
    severity: ClassVar[Severity] = Severity.HIGH
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "The page echoes a request parameter without encoding it for its context: a "
        "crafted link runs the attacker's script in the victim's session."
    )
    remediation: ClassVar[str] = (
        "Encode output for its context (HTML body, attribute, JavaScript string, URL) "
        "with the template engine's auto-escaping; never build markup by string "
        "concatenation. A strict Content-Security-Policy limits the damage."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A03", "WSTG-INPV-01")
    references: ClassVar[tuple[str, ...]] = (
        "https://owasp.org/www-community/attacks/xss/",
        "https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html",
        "https://cwe.mitre.org/data/definitions/79.html",
    )
    locations: ClassVar[frozenset[Location]] = (VALUE_LOCATIONS | NAME_LOCATIONS) - {
        Location.HEADER_NAME
    }
    # One marker, up to six context payloads, one confirmation.
    max_requests: ClassVar[int] = 8

    async def scan(self, probe: Probe) -> DastFinding | None:
        budget = Budgeted(probe, self.max_requests)
        try:
            return await self._scan(budget)
        except BudgetSpent:
            return None

    async def _scan(self, probe: Budgeted) -> DastFinding | None:
        token = "bstn" + probe.marker().lower()
        echo = await probe.send(token, append=True)
        if not is_html(echo.response) or token not in echo.response.text:
            return None
        attempts: list[Attempt] = []
        for reflection in reflections(echo.response.text, token):
            for attempt in attempts_for(reflection):
                if attempt not in attempts:
                    attempts.append(attempt)
        for attempt in attempts[: probe.left - 1]:
            payload = attempt.payload(token)
            exchange = await probe.send(payload, append=attempt.append)
            if not is_html(exchange.response):
                continue
            proof = attempt.check(exchange.response.text, token)
            if proof is None:
                continue
            token2 = "bstn" + probe.marker().lower() + "v"
            payload2 = attempt.payload(token2)
            again = await probe.send(payload2, append=attempt.append)
            if not is_html(again.response) or attempt.check(again.response.text, token2) is None:
                return None
            return self.make_finding(
                request=exchange.request,
                evidence=(
                    f"the payload became {proof.where} in the parsed page; a second "
                    f"payload ({payload2!r}) did the same"
                ),
                parameter=probe.point.name,
                location=probe.point.location,
                payload=payload,
                response_excerpt=find_text(exchange.response.text, token),
                confirmations=(again.request,),
            )
        return None

    @classmethod
    def example(cls) -> DastFinding:
        request = HttpRequest("GET", "https://shop.example/search?q=shoes%3Cbstnab12%3E")
        return cls.make_finding(
            request=request,
            evidence="the payload became a <bstnab12> element in the parsed page",
            parameter="q",
            location=Location.QUERY,
            payload="<bstnab12>",
            response_excerpt="<p>Results for shoes<bstnab12></p>",
            confirmations=(
                HttpRequest("GET", "https://shop.example/search?q=shoes%3Cbstnab13v%3E"),
            ),
        )

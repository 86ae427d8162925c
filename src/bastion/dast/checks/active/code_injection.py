"""Server-side template and code injection (ZAP rules 90035 and 90019).

Each payload is a token followed by a multiplication in one engine's syntax
(``TOKEN{{311*457}}`` for Jinja2/Twig/Nunjucks, ``TOKEN${311*457}`` for FreeMarker, JSP
EL and Groovy, ``TOKEN<%= 311*457 %>`` for ERB/EJS…) or, for eval-style injection, an
expression that builds the same text (``'TOKEN'+str(311*457)`` in Python). Only an
evaluating server prints ``TOKEN142127``: the written payload never contains it. The
same syntax with other numbers must evaluate again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import ClassVar

from bastion.dast.checks.base import ActiveRule, Probe
from bastion.dast.checks.detect import find_text
from bastion.dast.checks.detect_probe import Budgeted, BudgetSpent
from bastion.dast.model import Confidence, DastFinding, HttpRequest, Location
from bastion.models import Severity


@dataclass(frozen=True, slots=True)
class Expression:
    engine: str
    template: str  # {m} token, {a} and {b} factors

    def render(self, marker: str, a: int, b: int) -> tuple[str, str]:
        payload = self.template.replace("{m}", marker)
        payload = payload.replace("{a}", str(a)).replace("{b}", str(b))
        return payload, f"{marker}{a * b}"


EXPRESSIONS = (
    Expression("Jinja2/Twig/Nunjucks/Tornado", "{m}{{{a}*{b}}}"),
    Expression("FreeMarker/JSP EL/Groovy/Mako", "{m}${{a}*{b}}"),
    Expression("ERB/EJS", "{m}<%= {a}*{b} %>"),
    Expression("Ruby/Pug/Slim", "{m}#{{a}*{b}}"),
    Expression("Smarty", "{m}{{a}*{b}}"),
    Expression("Thymeleaf", "{m}[[${{a}*{b}}]]"),
    Expression("Razor", "{m}@({a}*{b})"),
    Expression("Velocity", "{m}#set($bx={a}*{b})${bx}"),
    Expression("Python eval", "'{m}'+str({a}*{b})"),
    Expression("JavaScript/PHP eval", "'{m}'+({a}*{b})"),
    Expression("PHP eval (concatenation)", "'{m}'.({a}*{b})"),
)


def _factors() -> tuple[int, int]:
    return 101 + secrets.randbelow(899), 101 + secrets.randbelow(899)


class CodeInjection(ActiveRule):
    rule_id: ClassVar[str] = "dast.code_injection"
    name: ClassVar[str] = "Server-side template or code injection"
    cwe: ClassVar[int] = 94
    severity: ClassVar[Severity] = Severity.CRITICAL
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "A request parameter is evaluated as template or program code on the server: "
        "template engines and eval() expose the interpreter, which usually means "
        "running any command."
    )
    remediation: ClassVar[str] = (
        "Pass user data to templates only as context variables, never as template "
        "source; never eval() request data. Use a sandboxed template environment where "
        "users must author templates."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A03", "WSTG-INPV-18", "WSTG-INPV-11")
    references: ClassVar[tuple[str, ...]] = (
        "https://portswigger.net/research/server-side-template-injection",
        "https://owasp.org/www-community/attacks/Code_Injection",
        "https://cwe.mitre.org/data/definitions/94.html",
    )
    # One per syntax and one confirmation.
    max_requests: ClassVar[int] = len(EXPRESSIONS) + 1

    async def scan(self, probe: Probe) -> DastFinding | None:
        budget = Budgeted(probe, self.max_requests)
        try:
            return await self._scan(budget)
        except BudgetSpent:
            return None

    async def _scan(self, probe: Budgeted) -> DastFinding | None:
        marker = "bstn" + probe.marker().lower() + "q"
        baseline = probe.baseline.text
        for expression in EXPRESSIONS:
            payload, expected = expression.render(marker, *_factors())
            exchange = await probe.send(payload)
            found = find_text(exchange.response.text, expected)
            if found is None or expected in baseline:
                continue
            payload2, expected2 = expression.render(marker + "r", *_factors())
            again = await probe.send(payload2)
            if find_text(again.response.text, expected2) is None:
                return None
            return self.make_finding(
                request=exchange.request,
                evidence=(
                    f"{expression.engine} syntax evaluated: the page shows {expected!r}; a "
                    f"second expression gave {expected2!r}"
                ),
                parameter=probe.point.name,
                location=probe.point.location,
                payload=payload,
                response_excerpt=found,
                confirmations=(again.request,),
            )
        return None

    @classmethod
    def example(cls) -> DastFinding:
        request = HttpRequest(
            "GET", "https://mail.example/preview?name=bstnab12q%7B%7B311%2A457%7D%7D"
        )
        return cls.make_finding(
            request=request,
            evidence=(
                "Jinja2/Twig/Nunjucks/Tornado syntax evaluated: the page shows "
                "'bstnab12q142127'; a second expression gave 'bstnab12qr53360'"
            ),
            parameter="name",
            location=Location.QUERY,
            payload="bstnab12q{{311*457}}",
            response_excerpt="<h1>Hello bstnab12q142127</h1>",
        )

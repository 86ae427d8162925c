from __future__ import annotations

import re

import pytest

from bastion.dast.checks.active.code_injection import EXPRESSIONS, CodeInjection
from bastion.dast.model import HttpRequest, HttpResponse
from tests.dast.checks.active.fakes import App, escape, get, page, param, scan

URL = "http://app.test/greet?name=Ann"


def template_app(pattern: str | None) -> App:
    """Renders ``name`` replacing each match of ``pattern`` (groups: the text before, two
    factors) by that text and the product; None echoes the text unevaluated."""
    expression = re.compile(pattern) if pattern else None

    def handle(request: HttpRequest) -> HttpResponse:
        name = param(request, "name")
        if expression is not None:
            name = expression.sub(lambda m: m[1] + str(int(m[2]) * int(m[3])), name)
        return page(f"<h1>Hello {escape(name)}</h1>")

    return handle


ENGINES = {
    "Jinja2": r"()\{\{\s*(\d+)\*(\d+)\s*\}\}",
    "FreeMarker": r"()\$\{(\d+)\*(\d+)\}",
    "ERB": r"()<%=\s*(\d+)\*(\d+)\s*%>",
    "Python eval": r"^'(\w+)'\+str\((\d+)\*(\d+)\)$",
}


@pytest.mark.parametrize(("engine", "pattern"), ENGINES.items(), ids=ENGINES.keys())
def test_evaluated_expressions(engine: str, pattern: str) -> None:
    finding, probe = scan(CodeInjection(), template_app(pattern), get(URL), name="name")
    assert finding is not None
    assert engine in finding.evidence
    assert finding.request is probe.sent[-2]
    assert finding.confirmations == (probe.sent[-1],)
    assert finding.response_excerpt


def test_echoed_expressions_are_safe() -> None:
    finding, probe = scan(CodeInjection(), template_app(None), get(URL), name="name")
    assert finding is None
    assert len(probe.sent) == len(EXPRESSIONS)


def test_an_evaluation_that_does_not_repeat_is_not_reported() -> None:
    evaluating = template_app(ENGINES["Jinja2"])
    calls: list[int] = []

    def flaky(request: HttpRequest) -> HttpResponse:
        calls.append(1)
        # Baseline and the first payload evaluate; later requests do not.
        return evaluating(request) if len(calls) <= 2 else template_app(None)(request)

    finding, _ = scan(CodeInjection(), flaky, get(URL), name="name")
    assert finding is None

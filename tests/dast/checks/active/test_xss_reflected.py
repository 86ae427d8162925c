from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import unquote

import pytest

from bastion.dast.checks.active.xss_reflected import ReflectedXss
from bastion.dast.model import HttpRequest, HttpResponse, Location
from tests.dast.checks.active.fakes import escape, get, page, param, scan

URL = "http://app.test/search?q=shoes&sort=asc"
Template = Callable[[str], str]


def app(
    template: Template, *, content_type: str = "text/html"
) -> Callable[[HttpRequest], HttpResponse]:
    def handle(request: HttpRequest) -> HttpResponse:
        return page(template(param(request, "q")), content_type=content_type)

    return handle


def js_string(value: str) -> str:
    """What a careful template does for a JavaScript string: JSON, with < escaped."""
    return json.dumps(value).replace("<", "\\u003c")


def backslash_quotes(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


VULNERABLE: dict[str, Template] = {
    "text": lambda q: f"<p>Results for {q}</p>",
    "double-quoted attribute": lambda q: f'<input name="q" value="{q}">',
    "single-quoted attribute, only <> escaped": lambda q: (
        "<input value='" + q.replace("<", "&lt;").replace(">", "&gt;") + "'>"
    ),
    "unquoted attribute": lambda q: f"<input value={q.replace('<', '&lt;').replace('>', '&gt;')}>",
    "script string": lambda q: f"<script>var q = '{q}';</script>",
    "script string, quotes escaped but not </script>": lambda q: (
        f"<script>var q = '{backslash_quotes(q)}';</script>"
    ),
    "textarea": lambda q: f"<textarea>{q}</textarea>",
    "comment": lambda q: f"<!-- searched {q} --><p>ok</p>",
    "event handler, entity-escaped": lambda q: f"<a onclick=\"find('{escape(q)}')\">go</a>",
    "title": lambda q: f"<html><head><title>{q}</title></head><body>x</body></html>",
}
SAFE: dict[str, Template] = {
    "text escaped": lambda q: f"<p>Results for {escape(q)}</p>",
    "attribute escaped": lambda q: f'<input name="q" value="{escape(q)}">',
    "script JSON string": lambda q: f"<script>var q = {js_string(q)};</script>",
    "textarea escaped": lambda q: f"<textarea>{escape(q)}</textarea>",
    "not reflected": lambda q: "<p>Results</p>",
    "tags stripped": lambda q: "<p>" + q.replace("<", "").replace(">", "") + "</p>",
}


@pytest.mark.parametrize("template", VULNERABLE.values(), ids=VULNERABLE.keys())
def test_finds_reflected_xss(template: Template) -> None:
    finding, probe = scan(ReflectedXss(), app(template), get(URL))
    assert finding is not None
    assert finding.rule_id == "dast.xss.reflected"
    assert finding.parameter == "q"
    assert finding.location is Location.QUERY
    assert finding.request in probe.sent
    assert finding.payload is not None
    assert finding.response_excerpt
    assert len(finding.confirmations) == 1


@pytest.mark.parametrize("template", SAFE.values(), ids=SAFE.keys())
def test_escaped_reflection_is_not_a_finding(template: Template) -> None:
    finding, _ = scan(ReflectedXss(), app(template), get(URL))
    assert finding is None


def test_unescaped_reflection_in_json_is_not_html() -> None:
    handler = app(lambda q: json.dumps({"q": q}), content_type="application/json")
    finding, probe = scan(ReflectedXss(), handler, get(URL))
    assert finding is None
    assert len(probe.sent) == 1


def test_javascript_url_in_href() -> None:
    handler = app(lambda q: f'<a href="{escape(q)}">back</a>')
    finding, _ = scan(ReflectedXss(), handler, get("http://app.test/?q=/home"))
    assert finding is not None
    assert finding.payload is not None
    assert finding.payload.startswith("javascript:")

    def checked(q: str) -> str:
        href = q if q.startswith(("/", "http")) else "/"
        return f'<a href="{escape(href)}">back</a>'

    finding, _ = scan(ReflectedXss(), app(checked), get("http://app.test/?q=/home"))
    assert finding is None


def test_parameter_names_are_probed() -> None:
    def handler(request: HttpRequest) -> HttpResponse:
        names = request.url.split("?", 1)[1].split("&")
        return page("".join(f"<li>{unquote(n.split('=')[0])}</li>" for n in names))

    finding, _ = scan(ReflectedXss(), handler, get(URL), Location.QUERY_NAME, "q")
    assert finding is not None

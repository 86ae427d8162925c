"""The contract every active rule keeps: complete metadata, an example that serialises,
and never more requests per insertion point than ``max_requests`` (nor a finding)
against targets that are not vulnerable, however odd their answers."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import pickle
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

import bastion.dast.checks.active as active_package
from bastion.dast.checks.active import ACTIVE_RULES
from bastion.dast.checks.base import ActiveRule
from bastion.dast.engine.insertion import insertion_points
from bastion.dast.model import (
    Confidence,
    DastFinding,
    HttpRequest,
    HttpResponse,
    InputSource,
    ScanInput,
)
from bastion.models import Severity
from tests.dast.checks.active.fakes import App, FakeProbe, escape, page

RULE_IDS = [rule.rule_id for rule in ACTIVE_RULES]


def test_rule_ids_are_unique() -> None:
    assert len(RULE_IDS) == len(set(RULE_IDS))


def test_every_rule_module_is_registered() -> None:
    modules = {p.stem for p in Path(active_package.__file__).parent.glob("*.py")} - {"__init__"}
    registered = {rule.__module__.rsplit(".", 1)[1] for rule in ACTIVE_RULES}
    assert modules == registered


@pytest.mark.parametrize("rule", ACTIVE_RULES, ids=RULE_IDS)
def test_metadata_is_complete(rule: type[ActiveRule]) -> None:
    assert re.fullmatch(r"dast\.[a-z_]+(\.[a-z_]+)?", rule.rule_id)
    assert rule.kind == "active"
    assert rule.name
    assert rule.description
    assert rule.remediation
    assert rule.cwe > 0
    assert isinstance(rule.severity, Severity)
    assert isinstance(rule.confidence, Confidence)
    assert any(re.fullmatch(r"OWASP_2021_A\d\d", tag) for tag in rule.tags)
    assert any(re.fullmatch(r"WSTG-[A-Z]{4}-\d\d", tag) for tag in rule.tags)
    assert rule.references
    assert all(reference.startswith("https://") for reference in rule.references)
    assert f"https://cwe.mitre.org/data/definitions/{rule.cwe}.html" in rule.references
    assert 1 <= rule.max_requests <= 24
    assert rule.locations


@pytest.mark.parametrize("rule", ACTIVE_RULES, ids=RULE_IDS)
def test_example_serialises(rule: type[ActiveRule]) -> None:
    example = rule.example()
    assert isinstance(example, DastFinding)
    assert (example.rule_id, example.name, example.cwe) == (rule.rule_id, rule.name, rule.cwe)
    assert example.request is not None
    assert example.url == example.request.url
    assert example.parameter
    assert example.payload
    assert example.evidence
    assert example.location
    fields = dataclasses.asdict(example)
    assert json.loads(json.dumps(fields, default=_jsonable))["rule_id"] == rule.rule_id


def _jsonable(value: object) -> object:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(type(value))


# -- never-vulnerable targets ---------------------------------------------------------

PICKLED = base64.b64encode(pickle.dumps({"cart": [1, 2]})).decode()
REQUESTS = [
    HttpRequest(
        "GET",
        f"http://app.test/shop/42/view?q=shoes&id=5&next=/home&file=a.txt&state={PICKLED}",
        headers=(("Accept-Language", "en"),),
        cookies=(("session", "abc"),),
    ),
    HttpRequest(
        "POST",
        "http://app.test/api/orders",
        body=b'{"item": "pen", "qty": 2, "note": {"text": "---\\nkey: value\\nother: x"}}',
        content_type="application/json",
    ),
    HttpRequest(
        "POST",
        "http://app.test/soap",
        body=b'<?xml version="1.0"?><order id="1"><item>pen</item><qty>2</qty><n/></order>',
        content_type="text/xml",
    ),
    HttpRequest(
        "POST",
        "http://app.test/comment",
        body=b"text=hello&url=https%3A%2F%2Fapp.test%2F&cart=a%3A1%3A%7Bi%3A0%3Bi%3A1%3B%7D",
        content_type="application/x-www-form-urlencoded",
    ),
]


def _static(request: HttpRequest) -> HttpResponse:
    return page("<html><body><h1>Shop</h1><p>Welcome</p></body></html>")


def _echo_escaped(request: HttpRequest) -> HttpResponse:
    shown = escape(request.url + request.body.decode("utf-8", "replace"))
    return page(f"<p>You asked for {shown}</p><script>var q = {json.dumps(shown)};</script>")


def _random(request: HttpRequest) -> HttpResponse:
    words = " ".join(secrets.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(20))
    return page(f"<p>{words}</p>", secrets.choice([200, 200, 404, 500]))


def _failing(request: HttpRequest) -> HttpResponse:
    return page("<h1>Internal Server Error</h1>", 500)


def _slow(request: HttpRequest) -> HttpResponse:
    return page("<p>slow but constant</p>", elapsed=2.5)


def _json_echo(request: HttpRequest) -> HttpResponse:
    body = json.dumps({"echo": request.url, "body": request.body.decode("utf-8", "replace")})
    return page(body, content_type="application/json")


APPS: dict[str, App] = {
    "static": _static,
    "echo escaped": _echo_escaped,
    "random": _random,
    "failing": _failing,
    "slow": _slow,
    "json echo": _json_echo,
}


def _cases(rule: type[ActiveRule]) -> Iterator[tuple[HttpRequest, object]]:
    instance = rule()
    for request in REQUESTS:
        target = ScanInput(request, InputSource.FORM)
        for point in insertion_points(request):
            if instance.applies_to(target, point):
                yield request, point


@pytest.mark.parametrize("rule", ACTIVE_RULES, ids=RULE_IDS)
@pytest.mark.parametrize("app", APPS.values(), ids=APPS.keys())
def test_budget_and_silence_against_safe_targets(rule: type[ActiveRule], app: App) -> None:
    cases = list(_cases(rule))
    assert cases, f"{rule.rule_id} applies to none of the sample insertion points"
    for request, point in cases:
        probe = FakeProbe(app, request, point, pages=("http://app.test/",))  # type: ignore[arg-type]
        finding = asyncio.run(rule().scan(probe))
        assert finding is None, (point, finding)
        assert len(probe.sent) <= rule.max_requests, (point, len(probe.sent))

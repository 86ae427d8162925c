from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.reports.sarif import FINGERPRINT_KEY, fingerprint, render, uri
from tests.dast.reports.factories import empty_report, hostile_report, mixed_report, sqli
from tests.support.paths import REPO_ROOT

# Present through cyclonedx-python-lib's json-validation extra; typed loosely (no stubs).
jsonschema: Any = pytest.importorskip("jsonschema")

# The OASIS schema the SCA report tests already keep (read only here).
SCHEMA_PATH = REPO_ROOT / "tests" / "reports" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


@pytest.mark.parametrize("report", [mixed_report(), empty_report(), hostile_report()])
def test_valid_against_the_sarif_schema(report: Any, validator: Any) -> None:
    errors = sorted(validator.iter_errors(json.loads(render(report))), key=str)
    assert not errors, "\n".join(str(e) for e in errors[:3])


def test_rules_and_results() -> None:
    run = json.loads(render(mixed_report()))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["csp-missing", "sqli-error", "xss-reflected"]
    sqli_rule = rules[1]
    assert "external/cwe/cwe-89" in sqli_rule["properties"]["tags"]
    assert sqli_rule["name"] == "SQLInjectionErrorBased"
    assert sqli_rule["properties"]["security-severity"] == "8.0"
    assert "Use parameterised queries." in sqli_rule["help"]["text"]
    results = run["results"]
    assert [r["level"] for r in results] == ["error", "warning", "note"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    first = results[0]
    location = first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert location == "http://shop.test:8080/login?next=%2F"
    assert first["webRequest"]["method"] == "POST"
    assert first["webRequest"]["target"] == location
    assert first["webRequest"]["body"] == {"text": "user=%27&password=x"}
    assert first["webRequest"]["headers"]["Cookie"] == "session=abc"
    assert first["webResponse"]["body"]["text"].startswith("...You have an error")
    assert first["properties"]["replay"].startswith("curl ")


def test_fingerprints_follow_rule_endpoint_and_parameter_only() -> None:
    base = sqli()
    other_payload = replace(base, payload="''", url=base.url.replace("next=%2F", "next=x"))
    other_parameter = replace(base, parameter="password")
    other_endpoint = replace(base, url="http://shop.test:8080/admin/login")
    assert fingerprint(other_payload) == fingerprint(base)
    assert fingerprint(other_parameter) != fingerprint(base)
    assert fingerprint(other_endpoint) != fingerprint(base)
    result = json.loads(render(mixed_report()))["runs"][0]["results"][0]
    assert result["partialFingerprints"] == {FINGERPRINT_KEY: fingerprint(base)}


def test_a_cut_short_scan_says_why() -> None:
    invocation = json.loads(render(empty_report()))["runs"][0]["invocations"][0]
    messages = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert messages == ["scan stopped: target unreachable: connection refused"]
    assert invocation["properties"]["stopReason"].startswith("target unreachable")


@given(st.text())
def test_uris_are_always_valid(url: str) -> None:
    encoded = uri(url)
    assert not any(
        c.isspace() or ord(c) < 0x20 or ord(c) > 0x7E or c in '"<>\\^`{|}' for c in encoded
    )

from __future__ import annotations

import json
from typing import Any

from bastion.dast.reports.json import render
from tests.dast.reports.factories import empty_report, hostile_report, mixed_report

SPEC_FINDING_KEYS = ["rule_id", "name", "cwe", "severity", "confidence", "url", "method",
                     "parameter", "evidence"]  # fmt: skip
STATS_KEYS = {"requests", "pages", "inputs", "insertion_points", "errors", "retries",
              "duration_s", "stop_reason", "notes", "target", "started_at"}  # fmt: skip


def one_document(text: str) -> dict[str, object]:
    data, end = json.JSONDecoder().raw_decode(text)
    assert text[end:].strip() == "", "exactly one JSON document"
    assert isinstance(data, dict)
    return data


def test_shape_follows_the_spec() -> None:
    data = one_document(render(mixed_report()))
    assert list(data) == ["findings", "stats"]
    findings = data["findings"]
    assert isinstance(findings, list)
    assert len(findings) == 3
    for finding in findings:
        assert list(finding)[: len(SPEC_FINDING_KEYS)] == SPEC_FINDING_KEYS
        assert type(finding["cwe"]) is int
    first = findings[0]
    assert first["rule_id"] == "sqli-error"
    assert first["cwe"] == 89
    assert first["severity"] == "HIGH"
    assert first["confidence"] == "high"
    assert first["url"] == "http://shop.test:8080/login?next=%2F"
    assert first["method"] == "POST"
    assert first["parameter"] == "user"
    assert first["location"] == "form"
    assert first["request"].startswith("curl -i -X POST 'http://shop.test:8080/login?next=%2F'")
    assert "Cookie: session=abc" in first["request"]
    assert len(first["confirmations"]) == 1
    assert findings[2]["parameter"] is None
    assert findings[2]["request"] is None


def test_stats() -> None:
    stats = one_document(render(mixed_report()))["stats"]
    assert isinstance(stats, dict)
    assert set(stats) == STATS_KEYS
    assert stats["requests"] == 1234
    assert stats["duration_s"] == 12.346
    assert stats["stop_reason"] == "completed"
    assert stats["notes"] == ["openapi: no definition given"]
    assert stats["target"] == "http://shop.test:8080/"
    assert stats["started_at"] == "2026-01-15T12:00:00+00:00"


def test_empty_and_hostile_reports_still_serialise() -> None:
    assert one_document(render(empty_report()))["findings"] == []
    findings: Any = one_document(render(hostile_report()))["findings"]
    (finding,) = findings
    assert finding["evidence"].startswith("</pre><script>")
    assert finding["extra"]["raw"] == finding["evidence"]
    assert isinstance(finding["extra"]["bytes"], str)

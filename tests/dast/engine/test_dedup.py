from __future__ import annotations

from dataclasses import replace

from bastion.dast.engine.dedup import FindingSet, sort_findings
from bastion.dast.model import Confidence, DastFinding
from bastion.models import Severity


def finding(url: str, parameter: str | None = "q", **changes: object) -> DastFinding:
    base = DastFinding(
        rule_id="r",
        name="R",
        cwe=79,
        severity=Severity.MEDIUM,
        confidence=Confidence.MEDIUM,
        url=url,
        method="GET",
        parameter=parameter,
        evidence="e",
    )
    return replace(base, **changes)  # type: ignore[arg-type] # test helper: fields vary


def test_same_endpoint_and_parameter_is_one_finding() -> None:
    found = FindingSet()
    assert found.add(finding("http://h/a?q=1"))
    assert not found.add(finding("http://h/a?q=2&x=1"))
    assert len(found) == 1


def test_different_endpoints_or_parameters_are_kept_apart() -> None:
    found = FindingSet()
    for url, parameter in [("http://h/a?q=1", "q"), ("http://h/b?q=1", "q"), ("http://h/a", "x")]:
        assert found.add(finding(url, parameter))
    assert found.add(finding("http://h/a", "q", method="POST"))
    assert len(found) == 4


def test_a_stronger_finding_replaces_a_weaker_one() -> None:
    found = FindingSet()
    found.add(finding("http://h/a?q=1", confidence=Confidence.LOW))
    assert found.add(finding("http://h/a?q=2", confidence=Confidence.HIGH))
    assert [f.url for f in found.findings()] == ["http://h/a?q=2"]


def test_sorted_worst_first_then_stable() -> None:
    low = finding("http://h/z", severity=Severity.LOW)
    high = finding("http://h/b", severity=Severity.HIGH)
    high_a = finding("http://h/a", severity=Severity.HIGH)
    assert sort_findings([low, high, high_a]) == [high_a, high, low]

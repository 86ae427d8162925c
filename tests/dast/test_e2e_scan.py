"""`bastion dast` as a real process against the vulnerable test app, scored against its
manifest: every vulnerable place found with the right CWE, no safe twin flagged.

One full scan per session (about two and a half minutes on two cores, Chromium
included); the tests below read its report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Any

import orjson
import pytest

from bastion.dast.model import Confidence, DastFinding, Location
from bastion.models import Severity
from tests.support.dast_app import start_dast_app
from tests.support.dast_app.expected import EXPECTED, SAFE, ExpectedFinding

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"


def _finding(raw: dict[str, Any]) -> DastFinding:
    location = raw.get("location")
    return DastFinding(
        rule_id=raw["rule_id"],
        name=raw["name"],
        cwe=raw["cwe"],
        severity=Severity(raw["severity"]),
        confidence=Confidence(raw["confidence"]),
        url=raw["url"],
        method=raw["method"],
        parameter=raw["parameter"],
        evidence=raw["evidence"],
        location=Location(location) if location else None,
    )


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    with start_dast_app() as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_")}
        done = subprocess.run(
            [sys.executable, "-m", "bastion", "dast", f"{url}/", "--format", "json",
             "--openapi", f"{url}/openapi.json", "--fail-on", "critical"],
            capture_output=True,
            env=env,
            timeout=900,
            check=False,
        )  # fmt: skip
    # Findings at "critical" exist (deserialization), so the exit code is 1, not 2.
    assert done.returncode == 1, done.stderr.decode(errors="replace")[-3000:]
    document: dict[str, Any] = orjson.loads(done.stdout)
    document["stderr"] = done.stderr.decode(errors="replace")
    return document


@pytest.fixture(scope="module")
def findings(report: dict[str, Any]) -> list[DastFinding]:
    return [_finding(raw) for raw in report["findings"]]


def _browser_only(expected: ExpectedFinding) -> bool:
    return "browser" in expected.note


def test_the_scan_completes_and_reports_progress_on_stderr(report: dict[str, Any]) -> None:
    assert report["stats"]["stop_reason"] == "completed"
    assert report["stats"]["requests"] > 1000
    assert "requests" in report["stderr"]


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: f"{e.kind}:{e.method}:{e.path}")
def test_every_vulnerable_place_is_found(
    expected: ExpectedFinding, findings: list[DastFinding]
) -> None:
    if _browser_only(expected) and not os.access(CHROMIUM, os.X_OK):
        pytest.skip("Chromium is not installed: the browser crawler did not run")
    assert any(expected.matches(f) for f in findings), (
        f"missed {expected}; findings of CWE {expected.cwe}: "
        f"{[(f.method, f.url, f.parameter) for f in findings if f.cwe == expected.cwe]}"
    )


def test_no_safe_place_is_flagged(findings: list[DastFinding]) -> None:
    false_alarms = [
        (f.rule_id, f.method, f.url, f.parameter)
        for f in findings
        if any(s.flagged_by(f) for s in SAFE)
    ]
    assert false_alarms == []


def test_findings_carry_a_replayable_request_and_evidence(report: dict[str, Any]) -> None:
    for raw in report["findings"]:
        assert raw["evidence"], raw
        assert raw["url"].startswith("http://127.0.0.1:"), raw
        if raw["rule_id"] in {"dast.sqli", "dast.xss.reflected", "dast.cmdi"}:
            assert raw["request"].startswith("curl "), raw


def test_one_finding_per_rule_endpoint_and_parameter(findings: list[DastFinding]) -> None:
    keys = [f.dedup_key for f in findings]
    assert len(keys) == len(set(keys))


@pytest.mark.skipif(shutil.which("chromium") is None and not os.access(CHROMIUM, os.X_OK),
                    reason="Chromium is not installed")  # fmt: skip
def test_the_browser_found_the_javascript_requests(findings: list[DastFinding]) -> None:
    assert any("/xhr/" in f.url for f in findings)

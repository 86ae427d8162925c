from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import ScanIssue
from bastion.reports.sarif import FINGERPRINT_KEY, LICENSE_RULE_ID, render
from tests.reports.factories import (
    dependency,
    finding,
    mixed_result,
    pr_check_result,
    result,
    vulnerability,
)
from tests.reports.snapshot import assert_matches_snapshot

# Present through cyclonedx-python-lib's json-validation extra; typed loosely (no stubs).
jsonschema: Any = pytest.importorskip("jsonschema")

# Transcribed verbatim from oasis-tcs/sarif-spec Schemata/sarif-schema-2.1.0.json.
SCHEMA_PATH = Path(__file__).with_name("sarif-schema-2.1.0.json")


def sarif(scan: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(scan))
    return data


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


@pytest.mark.parametrize(
    "scan",
    [
        pytest.param(mixed_result(), id="mixed"),
        pytest.param(pr_check_result(), id="pr-check"),
        pytest.param(result(), id="empty"),
        pytest.param(
            result(
                (finding(dependency("a b", source="dir with space/package-lock.json", line=None)),),
                errors=(ScanIssue("broken.lock", "unparsable"),),
            ),
            id="odd-paths",
        ),
    ],
)
def test_valid_against_the_sarif_schema(scan: Any, validator: Any) -> None:
    errors = sorted(validator.iter_errors(sarif(scan)), key=str)
    assert not errors, "\n".join(str(e) for e in errors[:3])


def test_structure() -> None:
    data = sarif(mixed_result())
    assert data["version"] == "2.1.0"
    assert data["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = data["runs"]
    assert run["tool"]["driver"]["name"] == "bastion"
    rules = run["tool"]["driver"]["rules"]
    rule_ids = [r["id"] for r in rules]
    assert rule_ids == sorted(set(rule_ids))
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    assert {r["ruleId"] for r in run["results"]} == set(rule_ids)


def test_one_rule_per_advisory_and_one_result_per_dependency() -> None:
    vuln = vulnerability()
    deps = [dependency(source="a/package-lock.json"), dependency(source="b/package-lock.json")]
    data = sarif(result(tuple(finding(d, vuln) for d in deps)))
    (run,) = data["runs"]
    assert len(run["tool"]["driver"]["rules"]) == 1
    assert len(run["results"]) == 2
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert uris == {"a/package-lock.json", "b/package-lock.json"}
    prints = {r["partialFingerprints"][FINGERPRINT_KEY] for r in run["results"]}
    assert len(prints) == 2


def test_location_is_the_manifest_line() -> None:
    dep = dependency("Django", "3.2.0", Ecosystem.PYPI, source="requirements.txt", line=3)
    (res,) = sarif(result((finding(dep),)))["runs"][0]["results"]
    location = res["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "requirements.txt"}, "region": {"startLine": 3}}


def test_fingerprint_ignores_the_version_but_not_the_package() -> None:
    def fingerprint(**kwargs: Any) -> str:
        (res,) = sarif(result((finding(dependency(**kwargs)),)))["runs"][0]["results"]
        value: str = res["partialFingerprints"][FINGERPRINT_KEY]
        return value

    base = fingerprint()
    assert fingerprint(version="4.17.19") == base
    assert fingerprint(line=99) == base
    assert fingerprint(name="underscore") != base
    assert fingerprint(source="other/package-lock.json") != base


def test_severity_levels_and_security_severity() -> None:
    rules = {r["id"]: r for r in sarif(mixed_result())["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["GHSA-jfh8-c2jp-5v3q"]["defaultConfiguration"]["level"] == "error"
    assert rules["GHSA-jfh8-c2jp-5v3q"]["properties"]["security-severity"] == "10.0"
    assert rules["PYSEC-2021-98"]["defaultConfiguration"]["level"] == "warning"
    assert rules["GHSA-p8p7-x288-28g6"]["defaultConfiguration"]["level"] == "note"


def test_errors_become_notifications() -> None:
    (invocation,) = sarif(mixed_result())["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    (error, warning) = invocation["toolExecutionNotifications"]
    assert error["level"] == "error"
    assert error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "yarn.lock"
    assert warning["level"] == "warning"


def test_schema_rejects_a_broken_log(validator: Any) -> None:
    # Guards against a schema file that silently accepts anything.
    broken = sarif(mixed_result())
    del broken["runs"][0]["results"][0]["message"]
    assert not validator.is_valid(broken)
    assert not validator.is_valid({"runs": []})


def test_golden_pr_check(validator: Any) -> None:
    data = sarif(pr_check_result())
    assert validator.is_valid(data)
    # The tool version changes with every release; the golden file must not.
    data["runs"][0]["tool"]["driver"]["version"] = "<version>"
    assert_matches_snapshot(
        "pr-check.sarif.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    )


def test_license_violations_share_one_rule() -> None:
    (run,) = sarif(pr_check_result())["runs"]
    rules = run["tool"]["driver"]["rules"]
    (index,) = [i for i, rule in enumerate(rules) if rule["id"] == LICENSE_RULE_ID]
    assert rules[index]["defaultConfiguration"]["level"] == "warning"
    results = [r for r in run["results"] if r["ruleId"] == LICENSE_RULE_ID]
    # Violations only: the license to review is not an alert.
    assert [r["properties"]["package"] for r in results] == [
        "acme/gpl-widgets",
        "acme/lgpl-codec",
    ]
    gpl = results[0]
    assert gpl["ruleIndex"] == index
    assert gpl["level"] == "warning"
    assert gpl["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "cms/composer.lock"},
        "region": {"startLine": 71},
    }
    assert gpl["message"]["text"].startswith(
        "acme/gpl-widgets 2.0.0 (Packagist) is licensed GPL-3.0-or-later: "
    )
    assert gpl["properties"]["category"] == "copyleft"
    prints = {r["partialFingerprints"][FINGERPRINT_KEY] for r in run["results"]}
    assert len(prints) == len(run["results"])


def test_no_license_rule_without_violations() -> None:
    rules = sarif(mixed_result())["runs"][0]["tool"]["driver"]["rules"]
    assert LICENSE_RULE_ID not in {rule["id"] for rule in rules}

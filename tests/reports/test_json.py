from __future__ import annotations

import json

from bastion.reports.json import render, result_to_dict
from tests.reports.factories import mixed_result, pr_check_result, result
from tests.reports.snapshot import assert_matches_snapshot

TOP_LEVEL = [
    "conclusion",
    "findings",
    "total_deps",
    "ecosystems",
    "scanned_at",
    "duration",
    "errors",
    "warnings",
    "notes",
    "advisories_loaded",
    "dependencies",
    "licenses",
    "license_summary",
]
DEPENDENCY = [
    "name",
    "version",
    "ecosystem",
    "direct",
    "source",
    "line",
    "group",
    "path",
    "purl",
    "license",
]
VULNERABILITY = [
    "id",
    "aliases",
    "summary",
    "details",
    "severity",
    "cvss_score",
    "cvss_vector",
    "fixed_version",
    "affected_ranges",
    "url",
    "informational",
    "published",
    "modified",
]


def test_round_trips_with_every_spec_field_in_a_stable_order() -> None:
    data = json.loads(render(mixed_result()))
    assert list(data) == TOP_LEVEL
    finding = data["findings"][0]
    assert list(finding) == [
        "dependency",
        "vulnerability",
        "is_imported",
        "reachability",
        "approximate",
    ]
    assert list(finding["dependency"]) == DEPENDENCY
    assert list(finding["vulnerability"]) == VULNERABILITY
    assert list(data["dependencies"][0]) == [*DEPENDENCY, "note", "approximate"]
    assert list(data["errors"][0]) == ["source", "line", "message"]


def test_values() -> None:
    scan = mixed_result()
    data = result_to_dict(scan)
    assert data["conclusion"] == "failure"
    assert data["total_deps"] == len(scan.dependencies) == len(data["dependencies"])
    assert data["duration"] == 1530
    assert isinstance(data["duration"], int)
    assert data["ecosystems"] == ["Go", "Maven", "PyPI", "npm"]
    log4j = next(f for f in data["findings"] if f["vulnerability"]["id"] == "GHSA-jfh8-c2jp-5v3q")
    assert log4j["dependency"]["purl"] == "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
    assert log4j["dependency"]["path"] == ["app", "spring-boot-starter-log4j2", "log4j-core"]
    assert log4j["vulnerability"]["severity"] == "CRITICAL"
    assert log4j["vulnerability"]["aliases"] == ["CVE-2021-44228"]
    unpinned = next(d for d in data["dependencies"] if d["name"] == "left-pad")
    assert unpinned["version"] is None
    assert unpinned["purl"] == "pkg:npm/left-pad"
    assert unpinned["note"] == "version range ^1.0.0"


def test_result_to_dict_is_json_ready() -> None:
    data = result_to_dict(mixed_result())
    assert json.loads(json.dumps(data)) == data


def test_snapshot_mixed() -> None:
    assert_matches_snapshot("mixed.json", render(mixed_result()))


def test_snapshot_empty() -> None:
    assert_matches_snapshot("empty.json", render(result(advisories_loaded=0)))


def test_licenses_and_their_summary() -> None:
    data = result_to_dict(pr_check_result())
    gpl = next(f for f in data["licenses"] if f["dependency"]["name"] == "acme/gpl-widgets")
    assert list(gpl) == ["dependency", "expression", "category", "allowed", "reason"]
    assert gpl["dependency"]["license"] == "GPL-3.0-or-later"
    assert (gpl["expression"], gpl["category"], gpl["allowed"]) == (
        "GPL-3.0-or-later",
        "copyleft",
        False,
    )
    dual = next(f for f in data["licenses"] if f["dependency"]["name"] == "dual-licensed")
    assert (dual["expression"], dual["category"], dual["allowed"]) == (
        "MIT OR GPL-3.0-only",
        "permissive",
        True,
    )
    assert data["license_summary"] == {
        "policy": "permissive",
        "permissive": 6,
        "weak_copyleft": 1,
        "copyleft": 1,
        "unknown": 1,
        "undeclared": 6,
        "violations": 2,
        "to_review": 1,
    }
    # Licenses never decide the conclusion.
    assert data["conclusion"] == "failure"


def test_without_licenses_or_policy() -> None:
    data = result_to_dict(mixed_result())
    assert data["licenses"] == []
    assert data["license_summary"]["policy"] is None
    assert data["license_summary"]["undeclared"] == data["total_deps"]
    assert data["license_summary"]["violations"] == 0

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from bastion.ecosystems import Ecosystem
from bastion.models import ScanResult
from bastion.reports.cyclonedx import render, render_sbom
from tests.reports.factories import (
    dependency,
    finding,
    mixed_result,
    pr_check_result,
    result,
    vulnerability,
)
from tests.reports.snapshot import assert_matches_snapshot

VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)


def assert_valid(text: str) -> dict[str, Any]:
    error = VALIDATOR.validate_str(text)
    assert error is None, str(error)
    data: dict[str, Any] = json.loads(text)
    assert data["specVersion"] == "1.6"
    return data


def awkward_result() -> ScanResult:
    """The shapes that break naive SBOM writers."""
    lodash_a = dependency(source="web/package-lock.json")
    lodash_b = dependency(source="admin/package-lock.json")
    lodash_b_again = dependency(source="admin/package-lock.json", path=("admin", "x", "lodash"))
    scoped = dependency("@angular/core", "11.0.0", line=40)
    maven = dependency(
        "org.apache.logging.log4j:log4j-core", "2.14.1", Ecosystem.MAVEN, source="pom.xml"
    )
    go = dependency("github.com/gin-gonic/gin", "v1.5.0", Ecosystem.GO, source="go.mod")
    unversioned = dependency("left-pad", None, source="package.json", note="range ^1.0.0")
    composer = dependency("laravel/framework", "8.0.0", Ecosystem.PACKAGIST, source="composer.lock")
    vuln = vulnerability()
    return result(
        (
            finding(lodash_a, vuln),
            finding(lodash_b, vuln, is_imported=False),
            finding(lodash_b_again, vuln, is_imported=False),
            finding(
                maven,
                vulnerability(
                    "GHSA-jfh8-c2jp-5v3q",
                    cvss_vector="CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                ),
            ),
            finding(
                go,
                vulnerability(
                    "GO-2020-0001", cvss_vector="AV:N/AC:L/Au:N/C:P/I:P/A:P", cvss_score=7.5
                ),
                is_imported=False,
                reachability="not_analyzed",
            ),
        ),
        (lodash_a, lodash_b, lodash_b_again, scoped, maven, go, unversioned, composer),
        target="acme/monorepo",
    )


@pytest.mark.parametrize(
    "scan",
    [
        pytest.param(mixed_result(), id="mixed"),
        pytest.param(pr_check_result(), id="pr-check"),
        pytest.param(awkward_result(), id="awkward"),
        pytest.param(result(), id="empty"),
    ],
)
def test_valid_cyclonedx_1_6(scan: ScanResult) -> None:
    assert_valid(render(scan))
    assert_valid(render_sbom(scan.dependencies, target=scan.target, scanned_at=scan.scanned_at))


def test_one_component_per_dependency_with_unique_refs() -> None:
    scan = awkward_result()
    data = assert_valid(render(scan))
    components = data["components"]
    assert len(components) == len(scan.dependencies)
    refs = [c["bom-ref"] for c in components]
    assert len(set(refs)) == len(refs)
    lodash_refs = sorted(r for r in refs if r.startswith("pkg:npm/lodash@4.17.20"))
    assert len(lodash_refs) == 3
    for component in components:
        if component["name"] == "lodash":
            assert component["purl"] == "pkg:npm/lodash@4.17.20"


def test_names_split_the_way_cyclonedx_expects() -> None:
    components = {
        c["purl"]: c for c in assert_valid(render_sbom(awkward_result().dependencies))["components"]
    }
    scoped = components["pkg:npm/%40angular/core@11.0.0"]
    assert (scoped.get("group"), scoped["name"]) == ("@angular", "core")
    maven = components["pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"]
    assert (maven["group"], maven["name"]) == ("org.apache.logging.log4j", "log4j-core")
    composer = components["pkg:composer/laravel/framework@8.0.0"]
    assert (composer["group"], composer["name"]) == ("laravel", "framework")
    go = components["pkg:golang/github.com/gin-gonic/gin@v1.5.0"]
    assert "group" not in go
    assert go["name"] == "github.com/gin-gonic/gin"
    unversioned = components["pkg:npm/left-pad"]
    assert "version" not in unversioned


def test_sbom_has_no_vulnerabilities_and_names_the_tool() -> None:
    data = assert_valid(render_sbom(mixed_result().dependencies))
    assert "vulnerabilities" not in data
    (tool,) = data["metadata"]["tools"]["components"]
    assert tool["name"] == "bastion"
    assert tool["version"]


def test_vulnerabilities_section() -> None:
    data = assert_valid(render(awkward_result()))
    vulns = {v["id"]: v for v in data["vulnerabilities"]}
    assert set(vulns) == {"GHSA-35jh-r3h4-6jhm", "GHSA-jfh8-c2jp-5v3q", "GO-2020-0001"}

    lodash = vulns["GHSA-35jh-r3h4-6jhm"]
    assert lodash["source"]["url"] == "https://osv.dev/vulnerability/GHSA-35jh-r3h4-6jhm"
    assert len(lodash["affects"]) == 3
    refs = {c["bom-ref"] for c in data["components"]}
    assert {a["ref"] for a in lodash["affects"]} <= refs
    assert lodash["analysis"]["state"] == "exploitable"
    (rating,) = lodash["ratings"]
    assert (rating["severity"], rating["score"], rating["method"]) == ("high", 7.2, "CVSSv31")
    assert lodash["references"][0]["id"] == "CVE-2021-23337"

    assert vulns["GHSA-jfh8-c2jp-5v3q"]["ratings"][0]["method"] == "CVSSv4"
    assert vulns["GO-2020-0001"]["analysis"]["state"] == "in_triage"
    # A bare vector has no scheme prefix to tell its CVSS version by.
    assert vulns["GO-2020-0001"]["ratings"][0]["method"] == "other"


@pytest.mark.parametrize(
    ("reachability", "is_imported", "state", "justification"),
    [
        ("imported", True, "exploitable", None),
        ("not_imported", False, "not_affected", "code_not_reachable"),
        ("not_analyzed", False, "in_triage", None),
    ],
)
def test_analysis_from_reachability(
    reachability: str, is_imported: bool, state: str, justification: str | None
) -> None:
    scan = result((finding(is_imported=is_imported, reachability=reachability),))
    (vuln,) = assert_valid(render(scan))["vulnerabilities"]
    assert vuln["analysis"]["state"] == state
    assert vuln["analysis"].get("justification") == justification


def test_cvss_v2_vector_is_recognised() -> None:
    vuln = vulnerability(cvss_vector="CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", cvss_score=7.5)
    (entry,) = assert_valid(render(result((finding(vuln=vuln),))))["vulnerabilities"]
    assert entry["ratings"][0]["method"] == "CVSSv2"


def test_informational_advisory_without_score() -> None:
    vuln = vulnerability(
        cvss_score=None, cvss_vector=None, informational="unmaintained", url="not a url %zz"
    )
    (entry,) = assert_valid(render(result((finding(vuln=vuln),))))["vulnerabilities"]
    assert entry["ratings"][0]["severity"] in {"high", "info"}
    assert "advisories" not in entry


def test_finding_dependency_missing_from_the_list_still_gets_a_component() -> None:
    scan = replace(result((finding(),)), dependencies=())
    data = assert_valid(render(scan))
    (component,) = data["components"]
    (vuln,) = data["vulnerabilities"]
    assert vuln["affects"][0]["ref"] == component["bom-ref"]


def test_golden_pr_check() -> None:
    data = assert_valid(render(pr_check_result()))
    # Random per document, or changing with every release: not what the file pins down.
    assert data["serialNumber"].startswith("urn:uuid:")
    data["serialNumber"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
    assert data["metadata"]["timestamp"].startswith("2024-05-01T12:00:00")
    data["metadata"]["timestamp"] = "<timestamp>"
    for tool in data["metadata"]["tools"]["components"]:
        tool["version"] = "<version>"
    assert_matches_snapshot(
        "pr-check.cdx.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    )


@pytest.mark.parametrize(
    ("declared", "licenses"),
    [
        ("MIT", [{"license": {"id": "MIT"}}]),
        ("mit", [{"license": {"id": "MIT"}}]),
        ("Apache 2.0", [{"license": {"id": "Apache-2.0"}}]),
        ("GPL-2.0", [{"license": {"id": "GPL-2.0-only"}}]),
        ("(MIT OR Apache-2.0)", [{"expression": "MIT OR Apache-2.0"}]),
        (
            "SEE LICENSE IN LICENSE.md",
            [{"license": {"name": "SEE LICENSE IN LICENSE.md"}}],
        ),
        ("UNLICENSED", [{"license": {"name": "UNLICENSED"}}]),
        (None, None),
    ],
)
def test_component_licenses(declared: str | None, licenses: list[dict[str, Any]] | None) -> None:
    data = assert_valid(render_sbom([dependency(license=declared)]))
    (component,) = data["components"]
    assert component.get("licenses") == licenses

"""Hand-made dependencies, advisories, findings and results for report tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bastion.ecosystems import Ecosystem
from bastion.models import (
    Conclusion,
    Dependency,
    Finding,
    ScanIssue,
    ScanResult,
    Severity,
    Vulnerability,
)

SCANNED_AT = "2024-05-01T12:00:00Z"


def dependency(
    name: str = "lodash",
    version: str | None = "4.17.20",
    ecosystem: Ecosystem = Ecosystem.NPM,
    *,
    source: str = "package-lock.json",
    line: int | None = 12,
    direct: bool = True,
    **overrides: Any,
) -> Dependency:
    return replace(
        Dependency(
            name=name,
            version=version,
            ecosystem=ecosystem,
            direct=direct,
            source=source,
            line=line,
            extractor="test/factory",
        ),
        **overrides,
    )


def vulnerability(
    id: str = "GHSA-35jh-r3h4-6jhm",
    severity: Severity = Severity.HIGH,
    *,
    aliases: tuple[str, ...] = ("CVE-2021-23337",),
    fixed_version: str | None = "4.17.21",
    cvss_score: float | None = 7.2,
    cvss_vector: str | None = "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
    **overrides: Any,
) -> Vulnerability:
    return replace(
        Vulnerability(
            id=id,
            aliases=aliases,
            summary=f"Summary of {id}",
            details=f"Details of {id}.",
            severity=severity,
            cvss_score=cvss_score,
            cvss_vector=cvss_vector,
            fixed_version=fixed_version,
            affected_ranges=">=0, <4.17.21",
            url=f"https://github.com/advisories/{id}",
            published="2021-02-15T11:00:00Z",
            modified="2023-09-01T08:30:00Z",
        ),
        **overrides,
    )


def finding(
    dep: Dependency | None = None,
    vuln: Vulnerability | None = None,
    *,
    is_imported: bool = True,
    reachability: str | None = None,
    approximate: bool = False,
) -> Finding:
    if reachability is None:
        reachability = "imported" if is_imported else "not_imported"
    return Finding(
        dependency=dep or dependency(),
        vulnerability=vuln or vulnerability(),
        is_imported=is_imported,
        reachability=reachability,
        approximate=approximate,
    )


def result(
    findings: tuple[Finding, ...] = (),
    dependencies: tuple[Dependency, ...] | None = None,
    *,
    conclusion: Conclusion | None = None,
    errors: tuple[ScanIssue, ...] = (),
    warnings: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
    advisories_loaded: int = 1234,
    target: str = "",
) -> ScanResult:
    """A result whose dependency list includes every finding's dependency."""
    deps = list(dependencies or ())
    for f in findings:
        if f.dependency not in deps:
            deps.append(f.dependency)
    if conclusion is None:
        if any(f.is_imported for f in findings):
            conclusion = Conclusion.FAILURE
        elif findings or not deps:
            conclusion = Conclusion.NEUTRAL
        else:
            conclusion = Conclusion.SUCCESS
    return ScanResult(
        findings=findings,
        dependencies=tuple(deps),
        ecosystems=tuple(sorted({d.ecosystem.value for d in deps})),
        scanned_at=SCANNED_AT,
        duration_ms=1530,
        conclusion=conclusion,
        errors=errors,
        warnings=warnings,
        advisories_loaded=advisories_loaded,
        target=target,
        notes=notes,
    )


def mixed_result() -> ScanResult:
    """A realistic spread: several ecosystems, severities, an informational advisory,
    an approximate match, an unpinned dependency, errors, warnings and notes."""
    lodash = dependency()
    django = dependency("Django", "3.2.0", Ecosystem.PYPI, source="requirements.txt", line=3)
    gin = dependency("github.com/gin-gonic/gin", "v1.5.0", Ecosystem.GO, source="go.mod", line=7)
    log4j = dependency(
        "org.apache.logging.log4j:log4j-core",
        "2.14.1",
        Ecosystem.MAVEN,
        source="pom.xml",
        line=40,
        direct=False,
        path=("app", "spring-boot-starter-log4j2", "log4j-core"),
    )
    request = dependency("request", "2.88.2", source="package-lock.json", line=88)
    unpinned = dependency(
        "left-pad", None, source="package.json", line=9, note="version range ^1.0.0"
    )
    findings = (
        finding(
            django,
            vulnerability(
                "PYSEC-2021-98",
                Severity.MEDIUM,
                aliases=("CVE-2021-33203",),
                fixed_version="3.2.4",
                cvss_score=4.9,
                cvss_vector="CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:N/A:N",
            ),
            is_imported=False,
        ),
        finding(lodash),
        finding(
            log4j,
            vulnerability(
                "GHSA-jfh8-c2jp-5v3q",
                Severity.CRITICAL,
                aliases=("CVE-2021-44228",),
                fixed_version="2.15.0",
                cvss_score=10.0,
                cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
            ),
        ),
        finding(
            gin,
            vulnerability(
                "GO-2020-0001",
                Severity.UNKNOWN,
                aliases=("CVE-2020-36567",),
                fixed_version="v1.6.0",
                cvss_score=None,
                cvss_vector=None,
            ),
            is_imported=False,
            reachability="not_analyzed",
            approximate=True,
        ),
        finding(
            request,
            vulnerability(
                "GHSA-p8p7-x288-28g6",
                Severity.LOW,
                aliases=(),
                fixed_version=None,
                cvss_score=None,
                cvss_vector=None,
                informational="unmaintained",
            ),
            is_imported=False,
        ),
    )
    return result(
        findings,
        (lodash, django, gin, log4j, request, unpinned),
        errors=(ScanIssue("yarn.lock", "not a yarn lockfile: unexpected '{'", line=1),),
        warnings=(".bastion.yml: scan.mode 'fast' is not full|diff; using full",),
        notes=("reachability analysis skipped for Go",),
        target="acme/shop",
    )

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
from bastion.sca.licenses import evaluate_licenses, parse_license_policy

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


def pr_check_result() -> ScanResult:
    """What a pull-request check reports for a polyglot monorepo under a license policy.

    Several ecosystems and package managers, imported / not imported / not analysed
    findings, a package with two advisories fixed in different releases, a transitive
    package, an informational advisory, an approximate match, an unpinned dependency and
    license violations and reviews under ``license.policy: permissive``.
    """
    lodash = dependency("lodash", "4.17.15", license="MIT", path=("lodash",))
    minimist = dependency(
        "minimist",
        "0.0.10",
        line=140,
        direct=False,
        path=("mkdirp", "minimist"),
        license="MIT",
    )
    request = dependency("request", "2.88.2", line=88, license="Apache-2.0")
    dual = dependency("dual-licensed", "1.0.0", line=60, license="(MIT OR GPL-3.0-only)")
    vendor = dependency("acme-ui", "3.1.0", line=20, license="SEE LICENSE IN LICENSE.md")
    axios = dependency("axios", "0.21.0", source="web/yarn.lock", line=31, license="MIT")
    django = dependency(
        "Django", "3.2.0", Ecosystem.PYPI, source="api/poetry.lock", line=210, direct=True
    )
    gin = dependency(
        "github.com/gin-gonic/gin", "v1.5.0", Ecosystem.GO, source="svc/go.mod", line=7
    )
    smallvec = dependency(
        "smallvec", "1.6.0", Ecosystem.CRATES_IO, source="native/Cargo.lock", line=402
    )
    log4j = dependency(
        "org.apache.logging.log4j:log4j-core",
        "2.14.1",
        Ecosystem.MAVEN,
        source="legacy/pom.xml",
        line=40,
        direct=False,
        path=("spring-boot-starter-log4j2", "log4j-core"),
    )
    guzzle = dependency(
        "guzzlehttp/guzzle",
        "7.4.0",
        Ecosystem.PACKAGIST,
        source="cms/composer.lock",
        line=27,
        license="MIT",
    )
    gpl = dependency(
        "acme/gpl-widgets",
        "2.0.0",
        Ecosystem.PACKAGIST,
        source="cms/composer.lock",
        line=71,
        license="GPL-3.0-or-later",
    )
    lgpl = dependency(
        "acme/lgpl-codec",
        "1.4.2",
        Ecosystem.PACKAGIST,
        source="cms/composer.lock",
        line=95,
        group="dev",
        license="LGPL-2.1-only",
    )
    rack = dependency("rack", "2.2.3", Ecosystem.RUBYGEMS, source="Gemfile.lock", line=15)
    unpinned = dependency(
        "left-pad", None, source="tools/package.json", line=9, note="version range ^1.0.0"
    )

    def advisory(
        id: str, severity: Severity, fixed: str | None, cve: str | None = None, **kw: Any
    ) -> Vulnerability:
        return vulnerability(
            id,
            severity,
            aliases=(cve,) if cve else (),
            fixed_version=fixed,
            cvss_score=kw.pop("cvss_score", None),
            cvss_vector=kw.pop("cvss_vector", None),
            **kw,
        )

    findings = (
        finding(
            log4j,
            advisory(
                "GHSA-jfh8-c2jp-5v3q",
                Severity.CRITICAL,
                "2.15.0",
                "CVE-2021-44228",
                cvss_score=10.0,
                cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
            ),
        ),
        finding(
            lodash,
            advisory(
                "GHSA-35jh-r3h4-6jhm",
                Severity.HIGH,
                "4.17.21",
                "CVE-2021-23337",
                cvss_score=7.2,
                cvss_vector="CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
            ),
        ),
        finding(
            lodash,
            advisory("GHSA-p6mc-m468-83gw", Severity.HIGH, "4.17.19", "CVE-2020-8203"),
        ),
        finding(
            axios,
            advisory("GHSA-4w2v-q235-vp99", Severity.HIGH, "0.21.1", "CVE-2020-28168"),
        ),
        finding(
            axios,
            advisory("GHSA-cph5-m8f7-6c5x", Severity.HIGH, "0.21.2", "CVE-2021-3749"),
        ),
        finding(
            minimist,
            advisory("GHSA-xvch-5gv4-984h", Severity.CRITICAL, "0.2.4", "CVE-2021-44906"),
            is_imported=False,
        ),
        finding(
            django,
            advisory("PYSEC-2021-98", Severity.MEDIUM, "3.2.4", "CVE-2021-33203"),
            is_imported=False,
        ),
        finding(
            django,
            advisory("PYSEC-2021-108", Severity.HIGH, "3.2.5", "CVE-2021-35042"),
            is_imported=False,
        ),
        finding(
            guzzle,
            advisory("GHSA-f2wf-25xc-69c9", Severity.HIGH, "7.4.5", "CVE-2022-31090"),
            reachability="not_analyzed",
        ),
        finding(
            gin,
            advisory("GO-2020-0001", Severity.UNKNOWN, "1.6.0", "CVE-2020-36567"),
            is_imported=False,
            reachability="not_analyzed",
            approximate=True,
        ),
        finding(
            smallvec,
            advisory("RUSTSEC-2021-0003", Severity.HIGH, "1.6.1", "CVE-2021-25900"),
            is_imported=False,
        ),
        finding(
            rack,
            advisory("GHSA-wq4h-7r42-5hrr", Severity.MEDIUM, None, "CVE-2022-30122"),
            is_imported=False,
        ),
        finding(
            request,
            advisory("GHSA-p8p7-x288-28g6", Severity.UNKNOWN, None, informational="unmaintained"),
            is_imported=False,
        ),
    )
    dependencies = (
        lodash,
        minimist,
        request,
        dual,
        vendor,
        axios,
        django,
        gin,
        smallvec,
        log4j,
        guzzle,
        gpl,
        lgpl,
        rack,
        unpinned,
    )
    policy = parse_license_policy("permissive")
    return replace(
        result(
            findings,
            dependencies,
            warnings=(".bastion.yml: unknown key 'notify' ignored",),
            notes=("Import analysis did not cover every package (Go, Packagist).",),
            target="acme/monorepo",
        ),
        licenses=evaluate_licenses(dependencies, policy),
        license_policy=policy.label,
    )

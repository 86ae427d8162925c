"""CycloneDX 1.6 JSON: an SBOM of the scanned dependencies and, for scans, a VEX section.

Components carry the license their lockfile declares (``licenses``), normalised to an
SPDX id or expression when it is one.

Built with cyclonedx-python-lib so the document follows the schema the library validates
against, rather than a hand-written dict that drifts from it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import assert_never
from urllib.parse import quote

from cyclonedx import spdx
from cyclonedx.exception.model import InvalidUriException
from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.impact_analysis import (
    ImpactAnalysisAffectedStatus,
    ImpactAnalysisJustification,
    ImpactAnalysisState,
)
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseExpression
from cyclonedx.model.tool import ToolRepository
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityAdvisory,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency, Finding, ScanResult, Severity
from bastion.models import Vulnerability as Advisory
from bastion.purl import package_url_for
from bastion.reports import summary
from bastion.sca.licenses import normalise_license

logger = logging.getLogger(__name__)

_SEVERITY = {
    Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
    Severity.HIGH: VulnerabilitySeverity.HIGH,
    Severity.MEDIUM: VulnerabilitySeverity.MEDIUM,
    Severity.LOW: VulnerabilitySeverity.LOW,
    Severity.UNKNOWN: VulnerabilitySeverity.UNKNOWN,
}


def render(result: ScanResult) -> str:
    """The SBOM of ``result`` plus one vulnerability entry per advisory found."""
    # A finding always names a listed dependency in a well-formed result; include any
    # stray one anyway so every "affects" entry points at a component in this BOM.
    dependencies = result.dependencies + tuple(
        dict.fromkeys(
            f.dependency for f in result.findings if f.dependency not in result.dependencies
        )
    )
    bom, refs = _bom(dependencies, target=result.target, scanned_at=result.scanned_at)
    by_advisory: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_advisory.setdefault(finding.vulnerability.id, []).append(finding)
    for findings in by_advisory.values():
        bom.vulnerabilities.add(_vulnerability(findings, refs))
    return _output(bom)


def render_sbom(
    dependencies: Iterable[Dependency], *, target: str = "", scanned_at: str | None = None
) -> str:
    """A plain SBOM (no vulnerabilities), as ``bastion sbom`` prints it."""
    bom, _ = _bom(tuple(dependencies), target=target, scanned_at=scanned_at)
    return _output(bom)


def _output(bom: Bom) -> str:
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


def _bom(
    dependencies: tuple[Dependency, ...], *, target: str, scanned_at: str | None
) -> tuple[Bom, dict[Dependency, str]]:
    refs: dict[Dependency, str] = {}
    components: list[Component] = []
    direct: list[Component] = []
    used: set[str] = set()
    for dep in dependencies:
        if dep in refs:
            continue  # the same record reported twice is one component
        refs[dep] = _unique_ref(dep, used)
        component = _component(dep, refs[dep])
        components.append(component)
        if dep.direct:
            direct.append(component)

    tool = Component(type=ComponentType.APPLICATION, name="bastion", version=summary.tool_version())
    metadata = BomMetaData(tools=ToolRepository(components=[tool]), timestamp=_datetime(scanned_at))
    bom = Bom(components=components, metadata=metadata)
    if target:
        root = Component(type=ComponentType.APPLICATION, name=target, bom_ref="root")
        bom.metadata.component = root
        # Lockfiles without direct/transitive information mark nothing direct; then the
        # honest statement is that the target depends on everything listed.
        bom.register_dependency(root, direct or components)
    return bom, refs


def _unique_ref(dep: Dependency, used: set[str]) -> str:
    """The purl, qualified by source file when the same package@version recurs.

    bom-refs must be unique in a BOM, yet a monorepo easily pins lodash@4.17.21 in two
    lockfiles; each occurrence stays its own component so VEX can point at the right one.
    """
    purl = package_url_for(dep)
    base = purl.to_string() if purl else f"{dep.ecosystem.value}:{dep.name}@{dep.version or ''}"
    ref = base
    if ref in used:
        ref = f"{base}?source={quote(dep.source, safe='/')}"
    counter = 1
    while ref in used:
        counter += 1
        ref = f"{base}?source={quote(dep.source, safe='/')}&n={counter}"
    used.add(ref)
    return ref


def _component(dep: Dependency, ref: str) -> Component:
    group, name = _group_and_name(dep)
    properties = [Property(name="bastion:source", value=dep.source)]
    if dep.line is not None:
        properties.append(Property(name="bastion:line", value=str(dep.line)))
    properties.append(Property(name="bastion:direct", value=str(dep.direct).lower()))
    if dep.group:
        properties.append(Property(name="bastion:group", value=dep.group))
    if dep.note:
        properties.append(Property(name="bastion:note", value=dep.note))
    return Component(
        type=ComponentType.LIBRARY,
        bom_ref=ref,
        group=group,
        name=name,
        version=dep.version or None,
        purl=package_url_for(dep),
        licenses=_licenses(dep.license),
        properties=properties,
    )


def _licenses(declared: str | None) -> list[License]:
    """An SPDX id, else an SPDX expression, else the declared text as a license name.

    The id and expression checks are the library's own, so the document validates
    against the schema's list of SPDX ids.
    """
    if declared is None or not declared.strip():
        return []
    expression = normalise_license(declared)
    spdx_id = spdx.fixup_id(expression)
    if spdx_id is not None:
        return [DisjunctiveLicense(id=spdx_id)]
    if spdx.is_expression(expression):
        return [LicenseExpression(expression)]
    return [DisjunctiveLicense(name=" ".join(declared.split()))]


def _group_and_name(dep: Dependency) -> tuple[str | None, str]:
    """Split as the ecosystem's own CycloneDX tools do (Maven groupId, npm scope...)."""
    name = dep.name
    match dep.ecosystem:
        case Ecosystem.MAVEN:
            if ":" in name:
                group, artifact = name.split(":", 1)
                return group, artifact.split(":", 1)[0]
        case Ecosystem.NPM:
            if name.startswith("@") and "/" in name:
                scope, bare = name.split("/", 1)
                return scope, bare
        case Ecosystem.PACKAGIST:
            if "/" in name:
                vendor, package = name.split("/", 1)
                return vendor, package
        case (
            Ecosystem.PYPI
            | Ecosystem.GO
            | Ecosystem.CRATES_IO
            | Ecosystem.RUBYGEMS
            | Ecosystem.NUGET
            | Ecosystem.COCOAPODS
            | Ecosystem.PUB
            | Ecosystem.HEX
            | Ecosystem.SWIFTURL
            | Ecosystem.DEBIAN
            | Ecosystem.ALPINE
        ):
            pass
        case _:
            assert_never(dep.ecosystem)
    return None, name


def _vulnerability(findings: list[Finding], refs: dict[Dependency, str]) -> Vulnerability:
    advisory = findings[0].vulnerability
    osv = VulnerabilitySource(
        name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{quote(advisory.id)}")
    )
    affects: dict[str, BomTarget] = {}
    for finding in findings:
        ref = refs.get(finding.dependency)
        if ref is None or ref in affects:
            continue
        version = finding.dependency.version
        affects[ref] = BomTarget(
            ref=ref,
            versions=[
                BomTargetVersionRange(version=version, status=ImpactAnalysisAffectedStatus.AFFECTED)
            ]
            if version
            else [],
        )
    advisories = []
    url = _uri(advisory.url)
    if url is not None:
        advisories.append(VulnerabilityAdvisory(url=url))
    return Vulnerability(
        bom_ref=f"vulnerability:{advisory.id}",
        id=advisory.id,
        source=osv,
        references=[_reference(alias) for alias in advisory.aliases if alias != advisory.id],
        ratings=[_rating(advisory, osv)],
        description=advisory.summary or None,
        detail=advisory.details or None,
        recommendation=f"Upgrade to {advisory.fixed_version} or later."
        if advisory.fixed_version
        else None,
        advisories=advisories,
        published=_datetime(advisory.published, default_now=False),
        updated=_datetime(advisory.modified, default_now=False),
        affects=affects.values(),
        analysis=_analysis(findings),
        properties=[Property(name="bastion:informational", value=advisory.informational)]
        if advisory.informational
        else None,
    )


def _reference(alias: str) -> VulnerabilityReference:
    if alias.startswith("CVE-"):
        source = VulnerabilitySource(
            name="NVD", url=XsUri(f"https://nvd.nist.gov/vuln/detail/{quote(alias)}")
        )
    else:
        source = VulnerabilitySource(
            name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{quote(alias)}")
        )
    return VulnerabilityReference(id=alias, source=source)


def _rating(advisory: Advisory, source: VulnerabilitySource) -> VulnerabilityRating:
    severity = _SEVERITY[advisory.severity]
    if advisory.informational and advisory.severity is Severity.UNKNOWN:
        severity = VulnerabilitySeverity.INFO
    score: Decimal | None = None
    if advisory.cvss_score is not None:
        try:
            score = Decimal(str(advisory.cvss_score))
        except InvalidOperation:
            score = None
    vector = advisory.cvss_vector or None
    method = VulnerabilityScoreSource.get_from_vector(vector) if vector else None
    return VulnerabilityRating(
        source=source, score=score, severity=severity, method=method, vector=vector
    )


def _analysis(findings: list[Finding]) -> VulnerabilityAnalysis:
    """One verdict per advisory: the most alarming reachability among its packages.

    CycloneDX keeps a single analysis per vulnerability entry, so any importing package
    makes it exploitable, and it is only "not affected" when no package is imported.
    """
    if any(f.is_imported for f in findings):
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState.EXPLOITABLE,
            detail="The project's own source imports an affected package.",
        )
    if all(f.reachability == "not_imported" for f in findings):
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState.NOT_AFFECTED,
            justification=ImpactAnalysisJustification.CODE_NOT_REACHABLE,
            detail="No affected package is imported by the project's own source.",
        )
    return VulnerabilityAnalysis(
        state=ImpactAnalysisState.IN_TRIAGE,
        detail="Import analysis did not run for every affected package.",
    )


def _uri(url: str) -> XsUri | None:
    if not url:
        return None
    try:
        return XsUri(url)
    except InvalidUriException:
        logger.debug("skipping advisory URL that is not a valid URI: %r", url)
        return None


def _datetime(value: str | None, *, default_now: bool = True) -> datetime | None:
    """Parse ISO 8601; None (or now, for the BOM timestamp) when absent or malformed."""
    if value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            logger.debug("ignoring malformed timestamp %r", value)
        else:
            # OSV and our own timestamps are UTC; CycloneDX wants an explicit offset.
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC) if default_now else None

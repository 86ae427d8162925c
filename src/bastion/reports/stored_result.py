"""A :class:`~bastion.models.ScanResult` back from the JSON a scan report stores.

``scan_reports.result`` holds :func:`bastion.reports.json.result_to_dict` of the result;
the check run renders its Markdown from it, whenever GitHub can be reached, instead of
keeping a second copy of the report, and a fix pull request reads its findings from it.
Everything the JSON report carries comes back; what it leaves out (import evidence,
vulnerable symbols, the extractor's name) no report format but JSON itself uses, and the
Markdown report not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bastion.ecosystems import Ecosystem
from bastion.models import (
    Conclusion,
    Dependency,
    Finding,
    LicenseCategory,
    LicenseFinding,
    ScanIssue,
    ScanResult,
    Severity,
    Vulnerability,
)

Strict = Field(strict=True)


class StoredResultError(ValueError):
    """The stored JSON is not a result this version of bastion wrote."""


class _Stored(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Dependency(_Stored):
    name: Annotated[str, Strict]
    version: Annotated[str | None, Strict]
    ecosystem: Ecosystem
    direct: Annotated[bool, Strict]
    source: Annotated[str, Strict]
    line: Annotated[int | None, Strict] = None
    group: Annotated[str | None, Strict] = None
    path: list[Annotated[str, Strict]] = []
    license: Annotated[str | None, Strict] = None
    # Only in the result's own dependency list, not inside findings.
    note: Annotated[str | None, Strict] = None
    approximate: Annotated[bool, Strict] = False

    def model(self, *, with_note: bool) -> Dependency:
        return Dependency(
            name=self.name,
            version=self.version,
            ecosystem=self.ecosystem,
            direct=self.direct,
            source=self.source,
            line=self.line,
            group=self.group,
            path=tuple(self.path),
            license=self.license,
            note=self.note if with_note else None,
            approximate=self.approximate if with_note else False,
        )


class _Vulnerability(_Stored):
    id: Annotated[str, Strict]
    aliases: list[Annotated[str, Strict]]
    summary: Annotated[str, Strict]
    details: Annotated[str, Strict]
    severity: Severity
    cvss_score: float | None
    cvss_vector: Annotated[str | None, Strict]
    fixed_version: Annotated[str | None, Strict]
    affected_ranges: Annotated[str, Strict]
    url: Annotated[str, Strict]
    informational: Annotated[str | None, Strict] = None
    published: Annotated[str | None, Strict] = None
    modified: Annotated[str | None, Strict] = None

    def model(self) -> Vulnerability:
        return Vulnerability(
            id=self.id,
            aliases=tuple(self.aliases),
            summary=self.summary,
            details=self.details,
            severity=self.severity,
            cvss_score=self.cvss_score,
            cvss_vector=self.cvss_vector,
            fixed_version=self.fixed_version,
            affected_ranges=self.affected_ranges,
            url=self.url,
            informational=self.informational,
            published=self.published,
            modified=self.modified,
        )


class _Finding(_Stored):
    dependency: _Dependency
    vulnerability: _Vulnerability
    is_imported: Annotated[bool, Strict]
    reachability: Annotated[str, Strict] = "not_analyzed"
    approximate: Annotated[bool, Strict] = False

    def model(self, dependencies: Mapping[Dependency, Dependency]) -> Finding:
        return Finding(
            dependency=_listed(self.dependency, dependencies),
            vulnerability=self.vulnerability.model(),
            is_imported=self.is_imported,
            reachability=self.reachability,
            approximate=self.approximate,
        )


class _License(_Stored):
    dependency: _Dependency
    expression: Annotated[str, Strict]
    category: LicenseCategory
    allowed: Annotated[bool | None, Strict]
    reason: Annotated[str, Strict]

    def model(self, dependencies: Mapping[Dependency, Dependency]) -> LicenseFinding:
        return LicenseFinding(
            dependency=_listed(self.dependency, dependencies),
            expression=self.expression,
            category=self.category,
            allowed=self.allowed,
            reason=self.reason,
        )


class _Issue(_Stored):
    source: Annotated[str, Strict]
    message: Annotated[str, Strict]
    line: Annotated[int | None, Strict] = None


class _LicenseSummary(_Stored):
    policy: Annotated[str | None, Strict] = None


class _Result(_Stored):
    conclusion: Conclusion
    findings: list[_Finding]
    ecosystems: list[Annotated[str, Strict]]
    scanned_at: Annotated[str, Strict]
    duration: Annotated[int, Strict]
    errors: list[_Issue] = []
    warnings: list[Annotated[str, Strict]] = []
    notes: list[Annotated[str, Strict]] = []
    advisories_loaded: Annotated[int, Strict] = 0
    dependencies: list[_Dependency] = []
    licenses: list[_License] = []
    license_summary: _LicenseSummary = _LicenseSummary()


def result_from_dict(data: Mapping[str, Any]) -> ScanResult:
    """The result ``result_to_dict`` was given; raises :class:`StoredResultError`."""
    try:
        stored = _Result.model_validate(data)
    except ValidationError as exc:
        raise StoredResultError(f"stored scan result: {exc.errors()[0]['msg']}") from None
    dependencies = tuple(d.model(with_note=True) for d in stored.dependencies)
    # Findings store their dependency without its note and approximate flag: take those
    # from the result's own list, where the scanner put the very same dependency.
    listed: dict[Dependency, Dependency] = {}
    for dependency in dependencies:
        listed.setdefault(replace(dependency, note=None, approximate=False), dependency)
    return ScanResult(
        findings=tuple(f.model(listed) for f in stored.findings),
        dependencies=dependencies,
        ecosystems=tuple(stored.ecosystems),
        scanned_at=stored.scanned_at,
        duration_ms=stored.duration,
        conclusion=stored.conclusion,
        errors=tuple(ScanIssue(i.source, i.message, i.line) for i in stored.errors),
        warnings=tuple(stored.warnings),
        advisories_loaded=stored.advisories_loaded,
        notes=tuple(stored.notes),
        licenses=tuple(lic.model(listed) for lic in stored.licenses),
        license_policy=stored.license_summary.policy,
    )


def _listed(stored: _Dependency, listed: Mapping[Dependency, Dependency]) -> Dependency:
    dependency = stored.model(with_note=False)
    return listed.get(dependency, dependency)

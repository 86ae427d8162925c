"""The records of SPEC §1: dependencies, vulnerabilities, findings and scan results.

Plain frozen dataclasses; pydantic lives only at the edges (settings, API schemas).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bastion.ecosystems import Ecosystem


class Severity(StrEnum):
    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    UNKNOWN = "UNKNOWN"

    @property
    def rank(self) -> int:
        """Higher is worse; used for sorting and thresholds."""
        return _SEVERITY_RANK[self]

    @classmethod
    def from_score(cls, score: float | None) -> Severity:
        """SPEC §1: CVSS base score ≥9.0 critical, ≥7.0 high, ≥4.0 medium, >0 low."""
        if score is None or score <= 0:
            return cls.UNKNOWN
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        return cls.LOW


_SEVERITY_RANK = {
    Severity.UNKNOWN: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Conclusion(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    NEUTRAL = "neutral"


@dataclass(frozen=True, slots=True)
class Dependency:
    """One package at one version, as a lockfile or manifest declares it.

    ``version`` is None when the file names no exact version (a range, a git URL, a local
    path); such dependencies are listed but never matched against advisories.
    """

    name: str
    version: str | None
    ecosystem: Ecosystem
    direct: bool
    source: str
    line: int | None = None
    extractor: str = ""
    group: str | None = None
    # Names from the root to this package, root first ("why is this here?").
    path: tuple[str, ...] = ()
    # Why the version is missing or approximate, for the user.
    note: str | None = None
    approximate: bool = False
    # The license as the file declares it (an SPDX expression or free text), or None
    # when the format records none: most lockfiles never do.
    license: str | None = None


@dataclass(frozen=True, slots=True)
class AffectedImport:
    """A vulnerable import path and, when the database knows them, the vulnerable symbols
    (Go's ``ecosystem_specific.imports``)."""

    path: str
    symbols: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Vulnerability:
    id: str
    aliases: tuple[str, ...]
    summary: str
    details: str
    severity: Severity
    cvss_score: float | None
    cvss_vector: str | None
    fixed_version: str | None
    affected_ranges: str
    url: str
    informational: str | None = None
    published: str | None = None
    modified: str | None = None
    # From the matched affected entries: which import paths/symbols are vulnerable.
    affected_imports: tuple[AffectedImport, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    dependency: Dependency
    vulnerability: Vulnerability
    is_imported: bool
    # "imported", "not_imported", or "not_analyzed" when no import analysis ran.
    reachability: str = "not_analyzed"
    # True when a version could not be parsed by its ecosystem's rules and a documented
    # fallback ordering decided the match.
    approximate: bool = False
    # Where the project imports the package ("src/app.py:3"), when import analysis ran.
    evidence: tuple[str, ...] = ()
    # Whether the code references a vulnerable symbol the advisory names; None if unknown.
    symbol_used: bool | None = None


class LicenseCategory(StrEnum):
    """How much a license asks of the code that uses it, least first."""

    PERMISSIVE = "permissive"
    WEAK_COPYLEFT = "weak_copyleft"
    COPYLEFT = "copyleft"
    # Declared, but not a license bastion can classify (free text, "UNLICENSED", ...).
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """``weak copyleft``: the value as reports print it."""
        return self.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class LicenseFinding:
    """A dependency's declared license, classified and checked against ``license.policy``.

    ``allowed`` is None when no policy is set, and when one is set but the license is
    unknown: then a person has to decide. License findings never change the verdict on
    vulnerabilities.
    """

    dependency: Dependency
    # The normalised SPDX expression ("MIT OR Apache-2.0"), or the declared text when it
    # is not one.
    expression: str
    category: LicenseCategory
    allowed: bool | None
    reason: str


@dataclass(frozen=True, slots=True)
class ScanIssue:
    """A non-fatal problem: the scan went on without this file or record."""

    source: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ScanResult:
    findings: tuple[Finding, ...]
    dependencies: tuple[Dependency, ...]
    ecosystems: tuple[str, ...]
    scanned_at: str
    duration_ms: int
    conclusion: Conclusion
    errors: tuple[ScanIssue, ...] = ()
    warnings: tuple[str, ...] = ()
    advisories_loaded: int = 0
    target: str = ""
    notes: tuple[str, ...] = field(default=())
    # One entry per dependency that declares a license; see LicenseFinding.
    licenses: tuple[LicenseFinding, ...] = ()
    # What license.policy was in force ("permissive", ...); None when none was set.
    license_policy: str | None = None

    @property
    def total_deps(self) -> int:
        return len(self.dependencies)

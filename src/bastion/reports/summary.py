"""Facts about a scan result that every human-facing format states the same way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from bastion.models import (
    Finding,
    LicenseCategory,
    LicenseFinding,
    ScanResult,
    Severity,
    Vulnerability,
)

APPROXIMATE_LEGEND = (
    "~ approximate match: a version did not follow its ecosystem's rules, "
    "so a fallback ordering decided it"
)

# Worst first, the order every report lists severities in.
SEVERITIES: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: s.rank, reverse=True))


def plural(count: int, noun: str) -> str:
    """``1 dependency``, ``2 dependencies``: enough English for the nouns used here."""
    if count == 1:
        return f"{count} {noun}"
    many = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{count} {many}"


def is_informational(finding: Finding) -> bool:
    """Advisories such as "unmaintained" that describe no exploitable flaw."""
    return finding.vulnerability.informational is not None


def is_approximate(finding: Finding) -> bool:
    return finding.approximate or finding.dependency.approximate


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first, then by package, so the line to act on is at the top.

    Informational advisories go last whatever their severity: nothing to patch.
    """

    def key(f: Finding) -> tuple[bool, int, str, str, str, str]:
        dep = f.dependency
        return (
            is_informational(f),
            -f.vulnerability.severity.rank,
            dep.name.lower(),
            dep.version or "",
            dep.source,
            f.vulnerability.id,
        )

    return sorted(findings, key=key)


def vulnerabilities(result: ScanResult) -> list[Finding]:
    return [f for f in result.findings if not is_informational(f)]


def informational(result: ScanResult) -> list[Finding]:
    return [f for f in result.findings if is_informational(f)]


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    """Counts for the severities that occur, worst first."""
    counts = Counter(f.vulnerability.severity for f in findings)
    return {s: counts[s] for s in SEVERITIES if counts[s]}


def severity_breakdown(findings: Iterable[Finding]) -> str:
    """``1 critical, 2 high``; empty when there is nothing to count."""
    return ", ".join(f"{n} {s.value.lower()}" for s, n in severity_counts(findings).items())


def affected_dependency_count(findings: Iterable[Finding]) -> int:
    return len({f.dependency for f in findings})


def headline(result: ScanResult) -> str:
    """``3 vulnerabilities in 2 of 120 dependencies`` or the plain no-findings sentence."""
    vulns = vulnerabilities(result)
    total = result.total_deps
    if not vulns:
        if total == 0:
            return "No dependencies found"
        return f"No known vulnerabilities in {plural(total, 'dependency')}"
    deps = "dependency" if total == 1 else "dependencies"
    return (
        f"{plural(len(vulns), 'vulnerability')} in "
        f"{affected_dependency_count(vulns)} of {total} {deps}"
    )


def informational_line(result: ScanResult) -> str | None:
    """``1 informational advisory (unmaintained)``, or None when there are none."""
    infos = informational(result)
    if not infos:
        return None
    kinds = sorted({f.vulnerability.informational or "" for f in infos} - {""})
    noun = "informational advisory" if len(infos) == 1 else "informational advisories"
    suffix = f" ({', '.join(kinds)})" if kinds else ""
    return f"{len(infos)} {noun}{suffix}"


def unversioned_line(result: ScanResult) -> str | None:
    """Dependencies without an exact version are listed but never matched: say so."""
    count = sum(1 for d in result.dependencies if d.version is None)
    if not count:
        return None
    verb = "has" if count == 1 else "have"
    return f"{plural(count, 'dependency')} {verb} no exact version and could not be checked"


def first_cve(vuln: Vulnerability) -> str | None:
    if vuln.id.startswith("CVE-"):
        return None
    return next((a for a in vuln.aliases if a.startswith("CVE-")), None)


def imported_label(finding: Finding) -> str:
    """``yes``, ``no`` or ``?`` when no import analysis ran for this package.

    Unanalysed findings count as imported for the verdict (the cautious choice), but the
    report must not claim an import it never saw.
    """
    if finding.reachability == "not_analyzed":
        return "?"
    return "yes" if finding.is_imported else "no"


def reachability_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings the project imports, does not import, or was not analysed for."""
    counts = Counter(f.reachability for f in findings)
    imported, not_imported = counts.pop("imported", 0), counts.pop("not_imported", 0)
    return {
        "imported": imported,
        "not_imported": not_imported,
        "not_analyzed": sum(counts.values()),
    }


def reachability_line(findings: Iterable[Finding]) -> str | None:
    """``2 imported by the project's code, 1 not imported, 1 not analysed``."""
    counts = reachability_counts(findings)
    if not any(counts.values()):
        return None
    parts = [f"{counts['imported']} imported by the project's code"]
    if counts["not_imported"]:
        parts.append(f"{counts['not_imported']} not imported")
    if counts["not_analyzed"]:
        parts.append(f"{counts['not_analyzed']} not analysed")
    return ", ".join(parts)


# Most demanding last, the order reports count them in.
LICENSE_CATEGORIES = tuple(LicenseCategory)


def sort_licenses(findings: Iterable[LicenseFinding]) -> list[LicenseFinding]:
    """Violations first, then the most demanding licences, then by package."""
    order = list(LICENSE_CATEGORIES)

    def key(f: LicenseFinding) -> tuple[bool, int, str, str, str]:
        dep = f.dependency
        return (
            f.allowed is not False,
            -order.index(f.category),
            dep.name.lower(),
            dep.version or "",
            dep.source,
        )

    return sorted(findings, key=key)


def license_violations(result: ScanResult) -> list[LicenseFinding]:
    return sort_licenses(f for f in result.licenses if f.allowed is False)


def license_reviews(result: ScanResult) -> list[LicenseFinding]:
    """Licenses a policy could not judge (unknown ones): for a person to decide."""
    if result.license_policy is None:
        return []
    return sort_licenses(f for f in result.licenses if f.allowed is None)


def license_counts(result: ScanResult) -> dict[LicenseCategory, int]:
    counts = Counter(f.category for f in result.licenses)
    return {category: counts[category] for category in LICENSE_CATEGORIES}


def undeclared_license_count(result: ScanResult) -> int:
    return max(result.total_deps - len(result.licenses), 0)


def license_line(result: ScanResult) -> str | None:
    """``Licenses: 250 permissive, 1 copyleft; 40 dependencies declare none``.

    None when no dependency declares a license and no policy asks about them: most
    lockfiles record no licenses, and a line saying so on every scan would be noise.
    """
    if not result.licenses and result.license_policy is None:
        return None
    return f"Licenses: {license_breakdown(result)}"


def license_breakdown(result: ScanResult) -> str:
    """``250 permissive, 1 copyleft; 40 dependencies declare none``."""
    counts = ", ".join(f"{n} {c.label}" for c, n in license_counts(result).items() if n)
    if not counts:
        return "no dependency declares one"
    undeclared = undeclared_license_count(result)
    if undeclared:
        verb = "declares" if undeclared == 1 else "declare"
        counts += f"; {plural(undeclared, 'dependency')} {verb} none"
    return counts


def license_policy_line(result: ScanResult) -> str | None:
    """``License policy permissive: 2 violations, 1 to review``; None without a policy."""
    if result.license_policy is None:
        return None
    violations, reviews = len(license_violations(result)), len(license_reviews(result))
    return (
        f"License policy {result.license_policy}: {plural(violations, 'violation')}, "
        f"{reviews} to review"
    )


def tool_version() -> str:
    # Imported on call: bastion/__init__ may import modules that import reports before
    # it has set __version__, and a top-level import would then fail on the cycle.
    from bastion import __version__  # noqa: PLC0415

    return __version__

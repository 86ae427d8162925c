"""Facts about a scan result that every human-facing format states the same way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from bastion.models import Finding, ScanResult, Severity, Vulnerability

NO_ADVISORIES_MESSAGE = (
    "No advisories are loaded: run `bastion advisories sync` (online) "
    "or `bastion advisories import PATH` (offline)"
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


def tool_version() -> str:
    # Imported on call: bastion/__init__ may import modules that import reports before
    # it has set __version__, and a top-level import would then fail on the cycle.
    from bastion import __version__  # noqa: PLC0415

    return __version__

"""A GitHub-flavoured Markdown report: the text a pull-request check shows.

A title with the verdict, counts by severity and by reachability, the findings table, what
to run to fix them (:mod:`bastion.reports.remediation`, shared with fix pull requests),
and the license section. Licenses never change the title or the conclusion: those are
about vulnerabilities.
"""

from __future__ import annotations

import re

from bastion.models import Conclusion, Finding, LicenseFinding, ScanResult
from bastion.reports import remediation, summary

# Advisory ids listed per recommended action before "and N more".
MAX_ACTION_ADVISORIES = 3


def render(result: ScanResult) -> str:
    vulns = summary.vulnerabilities(result)
    lines = [f"## {_title(result, len(vulns))}", ""]

    lines.append(f"**{summary.headline(result)}** · conclusion: `{result.conclusion.value}`")
    if vulns:
        counts = summary.severity_counts(vulns)
        lines.extend(
            [
                "",
                "| " + " | ".join(s.value.title() for s in summary.SEVERITIES) + " |",
                "|" + "---:|" * len(summary.SEVERITIES),
                "| " + " | ".join(str(counts.get(s, 0)) for s in summary.SEVERITIES) + " |",
            ]
        )
    extras = (
        summary.reachability_line(vulns),
        summary.informational_line(result),
        summary.unversioned_line(result),
    )
    for extra in extras:
        if extra:
            lines.extend(["", extra[0].upper() + extra[1:]])

    if result.findings:
        lines.extend(
            [
                "",
                "| Package | Version | Ecosystem | ID (CVE) | Severity | Imported | Fixed |",
                "|---|---|---|---|---|---|---|",
            ]
        )
        lines.extend(_row(f) for f in summary.sort_findings(result.findings))
        if any(summary.is_approximate(f) for f in result.findings):
            lines.extend(["", f"<sub>{_escape(summary.APPROXIMATE_LEGEND)}</sub>"])
        lines.extend(["", "### Recommended actions", ""])
        lines.extend(_action(a) for a in remediation.plan(result.findings))

    lines.extend(_licenses(result))

    if result.errors:
        lines.extend(["", f"### Errors ({len(result.errors)})", ""])
        lines.extend(f"- {_escape(str(issue))}" for issue in result.errors)
    if result.warnings:
        lines.extend(["", f"### Warnings ({len(result.warnings)})", ""])
        lines.extend(f"- {_escape(w)}" for w in result.warnings)
    if result.notes:
        lines.extend(["", "### Notes", ""])
        lines.extend(f"- {_escape(n)}" for n in result.notes)
    return "\n".join(lines) + "\n"


def _title(result: ScanResult, vulnerability_count: int) -> str:
    if vulnerability_count == 0:
        if result.advisories_loaded == 0:
            return "⚠️ No advisories loaded"
        return "✅ No known vulnerabilities"
    found = f"Found {summary.plural(vulnerability_count, 'vulnerability')}"
    if result.conclusion is Conclusion.FAILURE:
        return f"❌ {found}"
    return f"⚠️ {found} (none blocking)"


def _row(finding: Finding) -> str:
    dep, vuln = finding.dependency, finding.vulnerability
    ident = _escape(vuln.id)
    if vuln.url:
        ident = f"[{ident}]({vuln.url.replace(')', '%29')})"
    cve = summary.first_cve(vuln)
    if cve:
        ident += f" ({_escape(cve)})"
    if summary.is_approximate(finding):
        ident += " ~"
    severity = (
        f"{_escape(vuln.informational)} (informational)"
        if vuln.informational
        else vuln.severity.value
    )
    cells = [
        _escape(dep.name),
        _escape(dep.version or "?"),
        dep.ecosystem.value,
        ident,
        severity,
        summary.imported_label(finding),
        _escape(vuln.fixed_version or "-"),
    ]
    return "| " + " | ".join(cells) + " |"


def _action(action: remediation.Action) -> str:
    """``- **pkg** 1.0 → 1.2 in `file` (ids): `command` · via a > b``."""
    text = f"- **{_escape(action.package)}** {_escape(', '.join(action.installed) or '?')}"
    if action.fixed_version:
        text += f" → {_escape(action.fixed_version)}"
    text += " in " + ", ".join(_code(source) for source in action.sources)
    ids = list(action.advisories[:MAX_ACTION_ADVISORIES])
    if len(action.advisories) > MAX_ACTION_ADVISORIES:
        ids.append(f"and {len(action.advisories) - MAX_ACTION_ADVISORIES} more")
    text += f" ({_escape(', '.join(ids))}): "
    text += _code(action.command) if action.command else _escape(action.step)
    if action.via:
        text += f" · via {_escape(' > '.join(action.via))}"
    return text


def _licenses(result: ScanResult) -> list[str]:
    if summary.license_line(result) is None:
        return []
    lines = ["", "### Licenses", ""]
    if result.license_policy is not None:
        violations = len(summary.license_violations(result))
        reviews = len(summary.license_reviews(result))
        lines.extend(
            [
                f"Policy {_code(result.license_policy)}: "
                f"**{summary.plural(violations, 'violation')}**, {reviews} to review",
                "",
            ]
        )
    breakdown = summary.license_breakdown(result)
    lines.append(_escape(breakdown[0].upper() + breakdown[1:]))
    flagged = summary.license_violations(result) + summary.license_reviews(result)
    if flagged:
        lines.extend(
            [
                "",
                "| Package | Version | Ecosystem | License | Category | Verdict | Reason |",
                "|---|---|---|---|---|---|---|",
            ]
        )
        lines.extend(_license_row(f) for f in flagged)
    return lines


def _license_row(finding: LicenseFinding) -> str:
    dep = finding.dependency
    cells = [
        _escape(dep.name),
        _escape(dep.version or "?"),
        dep.ecosystem.value,
        _escape(finding.expression),
        finding.category.label,
        "❌ not allowed" if finding.allowed is False else "review",
        _escape(finding.reason),
    ]
    return "| " + " | ".join(cells) + " |"


def _code(text: str) -> str:
    """An inline code span that survives backticks in the text (names come from repos)."""
    text = " ".join(text.split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _escape(text: str) -> str:
    """Keep table cells and list items intact whatever a package name contains."""
    for char in ("\\", "|", "*", "_", "`", "[", "]", "<", ">"):
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())

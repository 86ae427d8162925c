"""A GitHub-flavoured Markdown report, sized for a pull-request comment or job summary."""

from __future__ import annotations

from bastion.models import Conclusion, Finding, ScanResult
from bastion.reports import summary


def render(result: ScanResult) -> str:
    vulns = summary.vulnerabilities(result)
    lines = [f"## {_title(result, len(vulns))}", ""]

    lines.append(f"**{summary.headline(result)}** · conclusion: `{result.conclusion.value}`")
    for extra in (summary.informational_line(result), summary.unversioned_line(result)):
        if extra:
            lines.extend(["", extra])
    if result.advisories_loaded == 0:
        lines.extend(["", "> [!WARNING]", f"> {summary.NO_ADVISORIES_MESSAGE}"])

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


def _escape(text: str) -> str:
    """Keep table cells and list items intact whatever a package name contains."""
    for char in ("\\", "|", "*", "_", "`", "[", "]", "<", ">"):
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())

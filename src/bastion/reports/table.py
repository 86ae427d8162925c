"""The terminal report: a Rich table of findings and a plain summary.

Rendered to a string so the CLI decides where it goes; colour only when the caller says
the output is a terminal, so redirected output and tests never see ANSI codes.
"""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text

from bastion.models import Finding, LicenseFinding, ScanResult
from bastion.reports import summary
from bastion.reports.console import SEVERITY_STYLE, TextConsole

DEFAULT_WIDTH = 80
MIN_WIDTH = 70


def render(result: ScanResult, *, width: int = DEFAULT_WIDTH, color: bool = False) -> str:
    """The report for a terminal ``width`` columns wide (at least ``MIN_WIDTH``).

    ``color`` adds ANSI styles; pass it only when stdout is a terminal.
    """
    # Below this the five columns no longer fit and Rich starts dropping them.
    output = TextConsole(max(width, MIN_WIDTH), color=color)
    console = output.console
    if result.findings:
        console.print(_findings_table(result.findings))
        console.print()
    for line in _summary_lines(result):
        console.print(line)
    for title, style, items in (
        ("License violations", "bold red", _licenses(summary.license_violations(result))),
        ("Licenses to review", "bold yellow", _licenses(summary.license_reviews(result))),
        ("Errors", "bold red", [str(issue) for issue in result.errors]),
        ("Warnings", "bold yellow", list(result.warnings)),
        ("Notes", "bold", list(result.notes)),
    ):
        if items:
            console.print(Text(f"{title} ({len(items)}):", style=style))
            console.print(_bullets(items))
    # Rich pads every cell to its column width; trailing blanks are noise in CI logs.
    return output.text()


def _findings_table(findings: tuple[Finding, ...]) -> Table:
    # SIMPLE_HEAD's row separator is blank, so show_lines just spaces out the
    # multi-line rows; collapse_padding keeps two spaces between columns, not three.
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        show_lines=True,
        pad_edge=False,
        expand=True,
        collapse_padding=True,
    )
    # "fold" breaks even unbreakable names (Go module paths, Maven coordinates) so that
    # no line ever exceeds the console width. The other columns are capped so a freak
    # value (a 40-character build version) cannot squeeze the package column to nothing;
    # the package column takes whatever they leave.
    table.add_column("Package", overflow="fold", ratio=1, min_width=16)
    table.add_column("Advisory", overflow="fold", max_width=22)
    table.add_column("Severity", overflow="fold", max_width=12)
    table.add_column("Fixed", overflow="fold", max_width=12)
    table.add_column("Imported", overflow="fold", max_width=8)
    for finding in summary.sort_findings(findings):
        table.add_row(*_row(finding))
    return table


def _row(finding: Finding) -> tuple[Text, Text, Text, Text, Text]:
    dep, vuln = finding.dependency, finding.vulnerability
    # Text objects, not markup strings: package names and ids may contain "[".
    package = Text(f"{dep.name}@{dep.version or '?'}")
    package.append(f"\n{dep.ecosystem.value}", style="dim")
    if len(dep.path) > 1:
        # "Why is this here?": the chain from the direct dependency that pulled it in.
        package.append(f"\nvia {' > '.join(dep.path[:-1])}", style="dim")

    advisory = Text(vuln.id)
    if summary.is_approximate(finding):
        advisory.append(" ~", style="bold")
    cve = summary.first_cve(vuln)
    if cve:
        advisory.append(f"\n{cve}", style="dim")

    if vuln.informational:
        severity = Text(vuln.informational, style="magenta")
    else:
        severity = Text(vuln.severity.value, style=SEVERITY_STYLE[vuln.severity])

    fixed = Text(vuln.fixed_version or "-")
    imported = Text(summary.imported_label(finding))
    if finding.is_imported:
        imported.stylize("bold")
    return package, advisory, severity, fixed, imported


def _summary_lines(result: ScanResult) -> list[Text]:
    lines: list[Text] = []
    vulns = summary.vulnerabilities(result)
    head = Text(summary.headline(result), style="bold")
    breakdown = summary.severity_breakdown(vulns)
    if breakdown:
        head.append(f" ({breakdown})")
    lines.append(head)

    info = summary.informational_line(result)
    if info:
        lines.append(Text(info))
    if any(summary.is_approximate(f) for f in result.findings):
        lines.append(Text(summary.APPROXIMATE_LEGEND, style="dim"))
    unversioned = summary.unversioned_line(result)
    if unversioned:
        lines.append(Text(unversioned))

    lines.append(Text(f"Conclusion: {result.conclusion.value}", style="bold"))
    # After the conclusion, which licenses never change.
    for line in (summary.license_line(result), summary.license_policy_line(result)):
        if line:
            lines.append(Text(line))
    return lines


def _licenses(findings: list[LicenseFinding]) -> list[str]:
    return [
        f"{f.dependency.name}@{f.dependency.version or '?'} "
        f"({f.dependency.ecosystem.value}, {f.expression}): {f.reason}"
        for f in findings
    ]


def _bullets(items: list[str]) -> Table:
    """A hanging-indent list: wrapped lines stay aligned under their text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(overflow="fold", ratio=1)
    for item in items:
        grid.add_row("-", Text(item))
    return grid

"""The terminal report: a Rich table of findings, then what the scan did.

Rendered to a string so the CLI decides where it goes; colour only when the caller says
the output is a terminal, so redirected output and tests never see ANSI codes.
"""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text

from bastion.dast.model import DastFinding, DastReport
from bastion.dast.reports import summary
from bastion.reports.console import SEVERITY_STYLE, TextConsole

DEFAULT_WIDTH = 100
MIN_WIDTH = 70
# Evidence can be a whole response line; the JSON and HTML reports carry it in full.
EVIDENCE_CHARS = 160


def render(report: DastReport, *, width: int = DEFAULT_WIDTH, color: bool = False) -> str:
    """The report for a terminal ``width`` columns wide (at least ``MIN_WIDTH``)."""
    output = TextConsole(max(width, MIN_WIDTH), color=color)
    console = output.console
    if report.findings:
        console.print(_findings_table(report.findings))
        console.print()
    head = Text(summary.printable(summary.headline(report)), style="bold")
    breakdown = summary.severity_breakdown(report.findings)
    if breakdown:
        head.append(f" ({breakdown})")
    console.print(head)
    console.print(Text(summary.printable(summary.stats_line(report.stats))))
    console.print(Text(summary.printable(f"Stopped: {report.stats.stop_reason}")))
    if report.stats.notes:
        console.print(Text(f"Notes ({len(report.stats.notes)}):", style="bold"))
        console.print(_bullets([summary.printable(note) for note in report.stats.notes]))
    # Rich pads every cell to its column width; trailing blanks are noise in CI logs.
    return output.text()


def _findings_table(findings: tuple[DastFinding, ...]) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        show_lines=True,
        pad_edge=False,
        expand=True,
        collapse_padding=True,
    )
    # "fold" breaks unbreakable URLs so no line ever exceeds the console width.
    table.add_column("Severity", overflow="fold", max_width=10)
    table.add_column("Finding", overflow="fold", ratio=2, min_width=16)
    table.add_column("Where", overflow="fold", ratio=3, min_width=20)
    table.add_column("Evidence", overflow="fold", ratio=2, min_width=16)
    for finding in findings:
        table.add_row(*_row(finding))
    return table


def _row(finding: DastFinding) -> tuple[Text, Text, Text, Text]:
    # Text objects, not markup strings: URLs and evidence come from the target.
    severity = Text(finding.severity.value.lower(), style=SEVERITY_STYLE[finding.severity])
    name = Text(finding.name)
    name.append(f"\n{finding.rule_id}", style="dim")
    name.append(f"\nCWE-{finding.cwe}, {finding.confidence.value} confidence", style="dim")
    where = Text(summary.printable(f"{finding.method} {finding.url}"))
    if finding.parameter:
        location = f"{finding.location.value} " if finding.location else ""
        where.append(summary.printable(f"\n{location}{finding.parameter}"), style="dim")
    evidence = summary.printable(" ".join(finding.evidence.split()))
    if len(evidence) > EVIDENCE_CHARS:
        evidence = evidence[: EVIDENCE_CHARS - 1] + "…"
    return severity, name, where, Text(evidence)


def _bullets(items: list[str]) -> Table:
    """A hanging-indent list: wrapped lines stay aligned under their text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(overflow="fold", ratio=1)
    for item in items:
        grid.add_row("-", Text(item))
    return grid

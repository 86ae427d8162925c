"""Facts about an app-scan report that every human-facing format states the same way."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bastion.dast.model import DastFinding, DastReport, ScanStats
from bastion.models import Severity
from bastion.reports.summary import SEVERITIES, plural, tool_version

__all__ = [
    "SEVERITIES",
    "endpoint_label",
    "headline",
    "printable",
    "severity_breakdown",
    "severity_counts",
    "stats_line",
    "tool_version",
]


def severity_counts(findings: Iterable[DastFinding]) -> dict[Severity, int]:
    """Worst first; severities without findings are left out."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return {severity: n for severity, n in counts.items() if n}


def severity_breakdown(findings: Iterable[DastFinding]) -> str:
    """``1 high, 2 medium``; empty when there is nothing to count."""
    return ", ".join(f"{n} {s.value.lower()}" for s, n in severity_counts(findings).items())


def headline(report: DastReport) -> str:
    if not report.findings:
        return f"No findings on {report.target}"
    return f"{plural(len(report.findings), 'finding')} on {report.target}"


def stats_line(stats: ScanStats) -> str:
    return (
        f"{plural(stats.requests, 'request')}, {plural(stats.pages, 'page')}, "
        f"{plural(stats.inputs, 'input')}, {plural(stats.insertion_points, 'insertion point')}, "
        f"{plural(stats.errors, 'error')} in {stats.duration:.1f} s"
    )


def endpoint_label(finding: DastFinding) -> str:
    """``GET https://host/path?q=…`` plus the parameter, the way a person reads it."""
    where = f"{finding.method} {finding.url}"
    if finding.parameter:
        location = f"{finding.location.value} " if finding.location else ""
        where += f" ({location}{finding.parameter})"
    return where


# C0/C1 controls but tab and newline: a target's escape sequences must not reach the
# user's terminal (or a CI log viewer) as escape sequences.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    return _CONTROLS.sub("\N{REPLACEMENT CHARACTER}", text)

"""A self-contained HTML report: one file, inline CSS, no scripts, nothing fetched.

Everything the target sent (URLs, evidence, response excerpts) is hostile by
assumption: the template autoescapes every value, and only ``http``/``https`` URLs
become links, so a finding about a ``<script>`` payload shows the payload instead of
running it in the reader's browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bastion.dast.model import DastFinding, DastReport
from bastion.dast.replay import curl_command
from bastion.dast.reports import summary

TEMPLATE_DIR = Path(__file__).with_name("templates")


@dataclass(frozen=True, slots=True)
class _FindingView:
    anchor: str
    finding: DastFinding
    severity: str
    where: str
    location: str | None
    href: str | None
    curl: str | None
    confirmations: tuple[str, ...]
    references: tuple[tuple[str, str | None], ...]
    cwe_url: str


def render(report: DastReport) -> str:
    counts = summary.severity_counts(report.findings)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            stats=report.stats,
            headline=summary.headline(report),
            stats_line=summary.stats_line(report.stats),
            severity_counts=[(s.value.lower(), counts.get(s, 0)) for s in summary.SEVERITIES],
            findings=[_view(i, f) for i, f in enumerate(report.findings, start=1)],
            version=summary.tool_version(),
        )
    )


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _view(index: int, finding: DastFinding) -> _FindingView:
    return _FindingView(
        anchor=f"finding-{index}",
        finding=finding,
        severity=finding.severity.value.lower(),
        where=f"{finding.method} {finding.url}",
        location=finding.location.value if finding.location else None,
        href=safe_href(finding.url),
        curl=curl_command(finding.request) if finding.request else None,
        confirmations=tuple(curl_command(r) for r in finding.confirmations),
        references=tuple((ref, safe_href(ref)) for ref in finding.references),
        cwe_url=f"https://cwe.mitre.org/data/definitions/{int(finding.cwe)}.html",
    )


def safe_href(url: str) -> str | None:
    """``url`` when it may be a link (http or https), else None: ``javascript:`` and
    ``data:`` URLs from a target stay text."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in {"http", "https"} else None

"""What the ``bastion`` check run shows for a scan report, at each stage of the scan.

A finished scan completes the check run with its conclusion (SPEC §1: ``success``,
``failure``, ``neutral``) and the Markdown report as summary, cut to GitHub's limit; a scan
that failed or timed out completes it ``neutral`` with "scan incomplete".
"""

from __future__ import annotations

import logging

import orjson

from bastion.db.models.scans import ScanReport, ScanStatus
from bastion.github.checks import (
    MAX_OUTPUT_CHARS,
    CheckConclusion,
    CheckRunOutput,
    CheckRunUpdate,
)
from bastion.models import Conclusion
from bastion.reports import markdown
from bastion.reports.stored_result import StoredResultError, result_from_dict
from bastion.reports.summary import plural

log = logging.getLogger(__name__)

INCOMPLETE_TITLE = "Scan incomplete"
_CONCLUSIONS: dict[str, CheckConclusion] = {
    Conclusion.SUCCESS.value: "success",
    Conclusion.FAILURE.value: "failure",
    Conclusion.NEUTRAL.value: "neutral",
}


def check_run_update(report: ScanReport, *, details_url: str | None) -> CheckRunUpdate:
    """The check run's state for ``report`` as it is now."""
    status = ScanStatus(report.status)
    sha = report.head_sha[:12]
    match status:
        case ScanStatus.QUEUED:
            return CheckRunUpdate(
                "queued",
                output=CheckRunOutput("Scan queued", f"Waiting to scan `{sha}`."),
            )
        case ScanStatus.RUNNING:
            return CheckRunUpdate(
                "in_progress",
                started_at=report.started_at,
                output=CheckRunOutput(
                    "Scanning dependencies",
                    f"Scanning the dependencies of `{sha}` for known vulnerabilities.",
                ),
            )
        case ScanStatus.DONE:
            return CheckRunUpdate(
                "completed",
                started_at=report.started_at,
                conclusion=_CONCLUSIONS[report.conclusion or Conclusion.NEUTRAL.value],
                completed_at=report.finished_at,
                output=_result_output(report, details_url),
            )
        case ScanStatus.FAILED | ScanStatus.TIMED_OUT:
            why = "took longer than allowed" if status is ScanStatus.TIMED_OUT else "failed"
            detail = f" ({report.error})" if report.error else ""
            return CheckRunUpdate(
                "completed",
                started_at=report.started_at,
                conclusion="neutral",
                completed_at=report.finished_at,
                output=CheckRunOutput(
                    INCOMPLETE_TITLE,
                    f"The scan of `{sha}` {why}{detail}: scan incomplete, so nothing is "
                    "known about its dependencies. Re-run the check to scan it again.",
                ),
            )


def _result_output(report: ScanReport, details_url: str | None) -> CheckRunOutput:
    try:
        result = result_from_dict(orjson.loads(report.result or "null"))
    except (orjson.JSONDecodeError, StoredResultError, TypeError) as exc:
        # Never expected: say what the report row knows rather than leave the run open.
        log.warning("check run of scan %s: stored result unusable: %s", report.id, exc)
        found = plural(report.vulnerability_count, "vulnerability")
        return CheckRunOutput(
            f"Found {found}",
            f"{found} ({report.imported_count} imported) in "
            f"{plural(report.total_deps, 'dependency')}.",
        )
    title, _, summary = markdown.render(result).partition("\n")
    more = details_url or f"GET /api/scan/{report.id}"
    return CheckRunOutput(title.removeprefix("## ").strip(), fit_summary(summary.strip(), more))


def fit_summary(text: str, full_report: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """``text`` whole if GitHub takes it, else its first lines and where to read the rest."""
    if len(text) <= limit:
        return text
    note = f"\n\n**Report truncated** to fit GitHub's check run: full report at {full_report}"
    room = max(0, limit - len(note))
    cut = text[:room]
    # Whole lines only, so no table row or link is left half written.
    if "\n" in cut:
        cut = cut[: cut.rindex("\n")]
    return (cut + note)[:limit]

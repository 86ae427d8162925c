"""What the check run shows at each stage of a scan, within GitHub's limits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
from hypothesis import given
from hypothesis import strategies as st

from bastion.db.models.scans import ScanReport, ScanStatus
from bastion.github.checks import MAX_OUTPUT_CHARS
from bastion.models import ScanResult
from bastion.reports.json import result_to_dict
from bastion.scans.jobs import INCOMPLETE
from bastion.webhooks.output import check_run_update, fit_summary
from tests.reports import factories
from tests.scans.support import vulnerable_result

STARTED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FINISHED = datetime(2026, 3, 1, 12, 1, tzinfo=UTC)


def report(status: ScanStatus, result: ScanResult | None = None, **fields: object) -> ScanReport:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "installation_id": 1,
        "owner": "acme",
        "repo": "shop",
        "ref": "main",
        "head_sha": "0123456789abcdef0123456789abcdef01234567",
        "status": status.value,
        "vulnerability_count": 0,
        "imported_count": 0,
        "total_deps": 0,
        "ecosystems": "[]",
        "created_at": STARTED,
        "started_at": STARTED if status is not ScanStatus.QUEUED else None,
    }
    if result is not None:
        values.update(
            conclusion=result.conclusion.value,
            result=orjson.dumps(result_to_dict(result)).decode(),
            finished_at=FINISHED,
        )
    values.update(fields)
    return ScanReport(**values)


def test_queued_and_running_scans() -> None:
    queued = check_run_update(report(ScanStatus.QUEUED), details_url=None)
    assert queued.status == "queued"
    assert queued.conclusion is None
    running = check_run_update(report(ScanStatus.RUNNING), details_url=None)
    assert running.status == "in_progress"
    assert running.started_at == STARTED
    assert running.body()["started_at"] == "2026-03-01T12:00:00Z"


def test_a_finished_scan_completes_with_its_conclusion_and_the_markdown_report() -> None:
    update = check_run_update(report(ScanStatus.DONE, vulnerable_result()), details_url=None)
    assert update.status == "completed"
    assert update.conclusion == "failure"
    assert update.completed_at == FINISHED
    assert update.output is not None
    # The Markdown report counts the finding reached by two paths twice.
    assert update.output.title == "❌ Found 3 vulnerabilities"
    assert "| lodash | 4.17.20 | npm |" in update.output.summary
    assert "### Recommended actions" in update.output.summary
    assert not update.output.summary.startswith("##")


def test_clean_and_non_blocking_results() -> None:
    clean = factories.result((), (factories.dependency(),))
    update = check_run_update(report(ScanStatus.DONE, clean), details_url=None)
    assert update.conclusion == "success"
    quiet = factories.result((factories.finding(is_imported=False),))
    update = check_run_update(report(ScanStatus.DONE, quiet), details_url=None)
    assert update.conclusion == "neutral"


def test_scans_that_could_not_complete_are_neutral_and_say_so() -> None:
    for status in (ScanStatus.FAILED, ScanStatus.TIMED_OUT):
        ended = report(status, conclusion="neutral", error=INCOMPLETE, finished_at=FINISHED)
        update = check_run_update(ended, details_url=None)
        assert update.conclusion == "neutral"
        assert update.output is not None
        assert update.output.title == "Scan incomplete"
        assert "scan incomplete" in update.output.summary


def test_a_report_too_long_for_github_is_cut_with_a_link_to_the_whole() -> None:
    many = tuple(
        factories.finding(
            factories.dependency(f"package-{i:05d}", "1.0.0"),
            factories.vulnerability(f"GHSA-{i:04d}-aaaa-bbbb"),
        )
        for i in range(2000)
    )
    result = factories.result(many)
    link = "https://bastion.example.com/api/scan/x"
    update = check_run_update(report(ScanStatus.DONE, result), details_url=link)
    assert update.output is not None
    summary = update.output.summary
    assert len(summary) <= MAX_OUTPUT_CHARS
    assert summary.endswith(link)
    assert update.body()["output"]["summary"] == summary


@given(text=st.text(st.characters(codec="utf-8"), max_size=400), limit=st.integers(120, 300))
def test_fit_summary_keeps_what_fits_whole_lines_first(text: str, limit: int) -> None:
    fitted = fit_summary(text, "https://x/y", limit)
    assert len(fitted) <= limit
    if len(text) <= limit:
        assert fitted == text
    else:
        kept, _, note = fitted.partition("\n\n**Report truncated**")
        assert note.endswith("https://x/y")
        assert text.startswith(kept)
        # Only whole lines are kept, unless the first line alone is too long.
        assert kept == "" or text[len(kept)] == "\n" or "\n" not in text[:limit]

"""The ``dast.scan`` job: run a queued app scan and store its outcome.

The target is checked against the policy again (DNS may have changed since it was
created) and pinned; a refused target ends the scan ``failed`` with the reason. A scan
whose target was deleted meanwhile stops within a few seconds and stays ``cancelled``.
Findings are recorded only for a scan that covered what its budget allowed: one that
could not reach its target must not mark every earlier finding fixed.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections import Counter

from sqlalchemy.orm import Session

from bastion.dast.engine.scan import COMPLETED
from bastion.dast.model import DastReport
from bastion.db.models.dast import DastScanStatus
from bastion.db.session import write_session
from bastion.errors import BastionError
from bastion.findings.ingest import record_dast_scan
from bastion.jobs.base import GiveUp, JobContext, job
from bastion.targets import repository
from bastion.targets.config import SCAN_MAX_DURATION, worker_dast_settings
from bastion.targets.repository import ScanJobTarget
from bastion.targets.scanning import Stop, pinned_text, prepare, progress_counters, run_engine

log = logging.getLogger(__name__)

DAST_SCAN_JOB = "dast.scan"
# The scan's error when the job timed out or failed for good.
INCOMPLETE = "scan incomplete"
# The engine stops itself at its time budget (plus a grace for requests in flight); the
# margin leaves time to resolve, store the findings, and spare.
JOB_TIME_LIMIT = SCAN_MAX_DURATION + 5 * 60.0
# Engine stop reasons after which the findings stand for the target's current state.
_COVERED = frozenset({COMPLETED, "time budget", "request budget"})


def concurrency_key(organization_id: uuid.UUID) -> str:
    """An organisation's app scans share the queue's per-key concurrency limit."""
    return f"dast:{organization_id}"


def _end_incomplete(session: Session, give_up: GiveUp, *, scan_id: str) -> None:
    repository.end_incomplete(session, uuid.UUID(scan_id), INCOMPLETE, give_up.at)


@job(DAST_SCAN_JOB, time_limit=JOB_TIME_LIMIT, max_attempts=2, on_give_up=_end_incomplete)
def run_dast_scan(ctx: JobContext, *, scan_id: str) -> None:
    scan_uuid = uuid.UUID(scan_id)
    with write_session(ctx.engine) as session:
        scan = repository.mark_running(session, scan_uuid, ctx.clock())
    if scan is None:
        log.info("dast scan %s already ended; nothing to run", scan_id)
        return
    try:
        settings = worker_dast_settings(ctx.resources)
        with prepare(scan, settings) as prepared:
            with write_session(ctx.engine) as session:
                repository.save_progress(
                    session,
                    scan_uuid,
                    phase="crawling",
                    percent=0,
                    progress={},
                    pinned_address=pinned_text(prepared.pinned),
                )
            report, stop = run_engine(ctx, scan_uuid, prepared.options, settings.progress_interval)
    except BastionError as exc:
        # Refused or unresolvable target, unreadable secrets, broken configuration: the
        # same on every attempt, so the scan fails now, saying why.
        log.info("dast scan %s refused: %s", scan_id, exc)
        _finish_failed(ctx, scan_uuid, exc.message)
        return
    if stop is Stop.CANCELLED:
        with ctx.finishing():
            log.info("dast scan %s stopped: no longer running", scan_id)
        return
    ctx.check()  # past the time limit: the give-up hook has ended the scan
    _store(ctx, scan, report)


def _store(ctx: JobContext, scan: ScanJobTarget, report: DastReport) -> None:
    stats = dataclasses.asdict(report.stats)
    progress = progress_counters(report.stats, len(report.findings))
    reason = report.stats.stop_reason
    now = ctx.clock()
    with ctx.finishing() as session:
        if reason not in _COVERED:
            repository.finish(
                session,
                scan.scan_id,
                DastScanStatus.FAILED,
                now,
                error=reason,
                stats=stats,
                progress=progress,
            )
            return
        counts = Counter(finding.severity.value for finding in report.findings)
        if repository.finish(
            session,
            scan.scan_id,
            DastScanStatus.COMPLETED,
            now,
            counts=dict(counts),
            findings_count=len(report.findings),
            stats=stats,
            progress=progress,
        ):
            record_dast_scan(
                session,
                organization_id=scan.organization_id,
                target_id=scan.target_id,
                target_url=scan.url,
                scan_id=scan.scan_id,
                findings=report.findings,
                now=now,
            )
    log.info(
        "dast.scan.finished",
        extra={
            "scan_id": str(scan.scan_id),
            "stop_reason": reason,
            "findings": len(report.findings),
            "requests": report.stats.requests,
        },
    )


def _finish_failed(ctx: JobContext, scan_id: uuid.UUID, error: str) -> None:
    with ctx.finishing() as session:
        repository.finish(session, scan_id, DastScanStatus.FAILED, ctx.clock(), error=error)

"""The ``sca.scan`` job: run a queued scan and store its result.

How a commit becomes a ScanResult (fetch the archive from GitHub, scan it against the
advisory mirror) is the worker's :data:`SCAN_EXECUTOR`, so this module stays free of
GitHub and tests can substitute a scan that blocks, fails or returns at once.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bastion.db.models.jobs import JobStatus
from bastion.db.models.scans import ScanStatus
from bastion.db.session import write_session
from bastion.findings.github_scans import record_repository_scan
from bastion.findings.ingest import prepare_sca_rows
from bastion.jobs.base import GiveUp, JobContext, ResourceKey, job
from bastion.models import ScanResult
from bastion.scans import repository
from bastion.scans.schemas import ScanTarget
from bastion.webhooks.repository import queue_check_run_updates

log = logging.getLogger(__name__)

SCAN_JOB = "sca.scan"
# The report's error when the scan timed out or failed for good; its conclusion is
# ``neutral`` (SPEC §1: "the scan could not complete").
INCOMPLETE = "scan incomplete"


@dataclass(frozen=True, slots=True)
class RenderedScan:
    """A result whose CycloneDX SBOM the executor already rendered (in a scan process,
    off the worker's GIL)."""

    result: ScanResult
    sbom: str


# Produces the result for one commit; long steps should call ``ctx.check()``.
ScanExecutor = Callable[[ScanTarget, JobContext], ScanResult | RenderedScan]


SCAN_EXECUTOR: ResourceKey[ScanExecutor] = ResourceKey("scan executor")


def concurrency_key(installation_id: int) -> str:
    """Scans of one installation share a concurrency limit (SPEC §2: 5 at once)."""
    return f"installation:{installation_id}"


def _end_incomplete(session: Session, give_up: GiveUp, *, scan_id: str) -> None:
    status = ScanStatus.TIMED_OUT if give_up.status is JobStatus.TIMED_OUT else ScanStatus.FAILED
    repository.end_incomplete(session, uuid.UUID(scan_id), status, INCOMPLETE, give_up.at)
    # Even if the scan had ended already (an executor abandoning it): check runs complete.
    queue_check_run_updates(session, uuid.UUID(scan_id), give_up.at)


def render_sbom(result: ScanResult) -> str:
    """The SBOM stored with a report, so GET /api/sbom/{id} serves stored text."""
    # Imported on use: cyclonedx-python-lib takes ~0.2 s to import, which only workers
    # should pay.
    from bastion.reports import cyclonedx  # noqa: PLC0415

    return cyclonedx.render(result)


@job(SCAN_JOB, on_give_up=_end_incomplete)
def run_scan(ctx: JobContext, *, scan_id: str) -> None:
    report_id = uuid.UUID(scan_id)
    with write_session(ctx.engine) as session:
        target = repository.mark_running(session, report_id, ctx.clock())
    if target is None:
        log.info("scan %s already ended; nothing to run", scan_id)
        # Ended elsewhere (the executor abandons scans no retry can fix): its check runs
        # still need completing.
        with write_session(ctx.engine) as session:
            queue_check_run_updates(session, report_id, ctx.clock())
        return
    scanned = ctx.resources.get(SCAN_EXECUTOR)(target, ctx)
    ctx.check()
    if isinstance(scanned, RenderedScan):
        result, sbom = scanned.result, scanned.sbom
    else:
        result, sbom = scanned, render_sbom(scanned)
    now = ctx.clock()
    # Computed before the write transaction, which holds SQLite's single write lock.
    prepared = repository.prepare_result(result, sbom=sbom)
    rows = prepare_sca_rows(f"{target.owner}/{target.repo}", report_id, result.findings, now)
    started = time.perf_counter()
    with ctx.finishing() as session:
        # Only a completed scan reaches the findings store (one that failed or timed out
        # saw nothing and must not mark findings fixed), in the same transaction.
        if repository.save_prepared(session, report_id, prepared, now=now):
            record_repository_scan(
                session,
                installation_id=target.installation_id,
                owner=target.owner,
                repo=target.repo,
                scan_id=report_id,
                result=result,
                now=now,
                rows=rows,
            )
            queue_check_run_updates(session, report_id, now)
    # The write transaction's length: on SQLite, every API write waits behind it.
    log.info(
        "scan.stored",
        extra={"scan_id": scan_id, "duration_ms": round((time.perf_counter() - started) * 1000)},
    )

"""Requesting scans and reading them back, for the HTTP routes and the webhook.

The route for ``POST /api/scan`` is expected to do, in this order:

1. ``ScanRequest.parse(body)`` (400),
2. ``service.admit(installation_id)`` (429, before spending GitHub API calls),
3. check the installation and resolve ``sha`` from ``ref`` with GitHub (401, 404),
4. ``service.request_and_wait(target, seconds)``: ``ScanSucceeded`` → 200,
   ``ScanAccepted`` → 202.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import orjson
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from bastion.clock import Clock, utcnow
from bastion.db.models.scans import ACTIVE_SCAN_STATUSES, ScanFinding, ScanReport, ScanStatus
from bastion.db.session import read_session, write_session
from bastion.jobs.base import JobQueue
from bastion.jobs.ratelimit import SCAN_REQUESTS, RateLimit, RateLimiter, installation_key
from bastion.models import Conclusion
from bastion.scans import repository
from bastion.scans.errors import RateLimited, ScanNotFound
from bastion.scans.jobs import INCOMPLETE, SCAN_JOB, concurrency_key
from bastion.scans.schemas import (
    ApiConclusion,
    ApiScanStatus,
    FindingOut,
    ScanAccepted,
    ScanResultOut,
    ScanStatusOut,
    ScanSucceeded,
    ScanTarget,
)

log = logging.getLogger(__name__)

# A report still active without a job this long after its creation was never queued. Reports
# are now created together with their job, so only rows written before that (the process
# died between committing the report and enqueueing) can be such orphans; they must not
# block their commit forever.
DEFAULT_ORPHAN_AFTER = timedelta(minutes=2)

_CONCLUSIONS: dict[str, ApiConclusion] = {
    Conclusion.SUCCESS.value: "success",
    Conclusion.FAILURE.value: "failure",
    Conclusion.NEUTRAL.value: "neutral",
}
_API_STATUS: dict[ScanStatus, ApiScanStatus] = {
    ScanStatus.QUEUED: "queued",
    ScanStatus.RUNNING: "running",
    ScanStatus.DONE: "success",
    ScanStatus.FAILED: "failed",
    ScanStatus.TIMED_OUT: "timed_out",
}


@dataclass(frozen=True, slots=True)
class ScanTicket:
    scan_id: uuid.UUID
    # False when an active scan of the same commit was reused.
    created: bool


class ScanService:
    def __init__(
        self,
        engine: Engine,
        queue: JobQueue,
        *,
        limiter: RateLimiter | None = None,
        clock: Clock = utcnow,
        orphan_after: timedelta = DEFAULT_ORPHAN_AFTER,
        scan_limit: RateLimit = SCAN_REQUESTS,
    ) -> None:
        self.engine = engine
        self.queue = queue
        self.limiter = limiter or RateLimiter(engine, clock=clock)
        self.clock = clock
        self.orphan_after = orphan_after
        self.scan_limit = scan_limit

    def admit(self, installation_id: int) -> None:
        """Count a scan request against the installation's hourly budget (SPEC §2)."""
        decision = self.limiter.hit(installation_key("scan", installation_id), self.scan_limit)
        if not decision.allowed:
            raise RateLimited(decision.retry_after)

    def request(self, target: ScanTarget) -> ScanTicket:
        """Queue a scan of ``target``, or return the one already queued or running for the
        same installation and commit."""
        target = target.normalised()
        # Most requests repeat a commit already queued (CI retries, several jobs of one
        # pipeline): find it without taking SQLite's write lock. A miss is re-checked below
        # under the lock; a hit may finish a moment later, just as after a locked read.
        with read_session(self.engine) as session:
            existing = repository.find_active(session, target)
            if existing is not None and not self._orphaned(existing):
                return ScanTicket(existing.id, created=False)
        for _ in range(3):
            try:
                # One write transaction: the report, its job and the link between them
                # commit together or not at all, so a report is never left without a job.
                with write_session(self.engine) as session:
                    now = self.clock()
                    existing = repository.find_active(session, target)
                    if existing is not None and not self._orphaned(existing):
                        return ScanTicket(existing.id, created=False)
                    if existing is not None:
                        log.warning("scan %s was never queued; starting over", existing.id)
                        repository.end_incomplete(
                            session, existing.id, ScanStatus.FAILED, INCOMPLETE, now
                        )
                    report = repository.create_report(session, target, now)
                    scan_id = report.id
                    job_id = self.queue.enqueue_in(
                        session,
                        SCAN_JOB,
                        {"scan_id": str(scan_id)},
                        concurrency_key(target.installation_id),
                    )
                    report.job_id = job_id
                break
            except IntegrityError:
                # PostgreSQL: a concurrent request created the report first; reuse it.
                continue
        else:
            raise RuntimeError(f"could not create or find a scan for {target}")
        log.info("scan %s queued as job %s", scan_id, job_id)
        return ScanTicket(scan_id, created=True)

    def request_and_wait(
        self, target: ScanTarget, wait_seconds: float, *, poll_interval: float = 0.1
    ) -> ScanAccepted | ScanSucceeded:
        """SPEC §2: the result if the scan finishes within ``wait_seconds``, else accepted.

        Only a finished scan answers ``success``; one that failed or timed out within
        the wait is reported as accepted and its status tells the rest.
        """
        ticket = self.request(target)
        status = self.wait(ticket.scan_id, wait_seconds, poll_interval=poll_interval)
        if status.status == "success" and status.result is not None:
            return ScanSucceeded(scan_id=ticket.scan_id, result=status.result)
        return ScanAccepted(scan_id=ticket.scan_id)

    def status(self, scan_id: uuid.UUID, *, installation_id: int | None = None) -> ScanStatusOut:
        with read_session(self.engine) as session:
            report = repository.get_report(session, scan_id, installation_id=installation_id)
            if report is None:
                raise ScanNotFound()
            findings = (
                repository.list_findings(session, scan_id)
                if report.status == ScanStatus.DONE.value
                else []
            )
            return status_out(report, findings)

    def wait(
        self, scan_id: uuid.UUID, timeout: float, *, poll_interval: float = 0.1
    ) -> ScanStatusOut:
        """The scan's status once it ended, or as it is after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(scan_id)
            if status.status not in ("queued", "running"):
                return status
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return status
            time.sleep(min(poll_interval, remaining))

    def sbom(self, scan_id: uuid.UUID, *, installation_id: int | None = None) -> str:
        """The CycloneDX document of a finished scan (``SBOM_MEDIA_TYPE``)."""
        with read_session(self.engine) as session:
            report = repository.get_report(session, scan_id, installation_id=installation_id)
            if report is None or report.sbom is None:
                raise ScanNotFound()
            return report.sbom

    def _orphaned(self, report: ScanReport) -> bool:
        return report.job_id is None and report.created_at < self.clock() - self.orphan_after


def status_out(report: ScanReport, findings: Sequence[ScanFinding]) -> ScanStatusOut:
    """The API view of a stored report; ``findings`` are its rows (empty unless done)."""
    status = ScanStatus(report.status)
    result = None
    if status not in ACTIVE_SCAN_STATUSES:
        result = ScanResultOut(
            conclusion=_CONCLUSIONS[report.conclusion or Conclusion.NEUTRAL.value],
            vulnerability_count=report.vulnerability_count,
            imported_count=report.imported_count,
            total_deps=report.total_deps,
            ecosystems=orjson.loads(report.ecosystems),
            duration_ms=report.duration_ms or 0,
            findings=[
                FindingOut(
                    package=f.package,
                    version=f.version,
                    ecosystem=f.ecosystem,
                    vulnerability_id=f.vulnerability_id,
                    severity=f.severity,
                    is_imported=f.is_imported,
                    fixed_version=f.fixed_version,
                )
                for f in findings
            ],
        )
    return ScanStatusOut(
        status=_API_STATUS[status],
        scan_id=report.id,
        owner=report.owner,
        repo=report.repo,
        ref=report.ref,
        sha=report.head_sha,
        pr_number=report.pr_number,
        created_at=report.created_at,
        started_at=report.started_at,
        finished_at=report.finished_at,
        result=result,
        error=report.error,
    )

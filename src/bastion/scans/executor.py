"""The production :data:`~bastion.scans.jobs.SCAN_EXECUTOR`: check out the commit from
GitHub into a temporary directory and scan it against the local advisory mirror."""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bastion.advisories.store import LocalMirror
from bastion.db.models.scans import ScanReport, ScanStatus
from bastion.db.session import write_session
from bastion.github.client import GitHubClient
from bastion.github.errors import GitHubUnavailable, InvalidInstallation, RepoNotFound, RepoTooLarge
from bastion.jobs.base import JobContext, Resources
from bastion.models import ScanResult
from bastion.sca.scanner import scan_path
from bastion.scans import repository
from bastion.scans.isolation import ScanProcesses, shares_database
from bastion.scans.jobs import SCAN_EXECUTOR, RenderedScan
from bastion.scans.schemas import ScanTarget

log = logging.getLogger(__name__)

# Errors no retry can fix: the scan ends at once with the SPEC code as its error.
PERMANENT_ERRORS = (InvalidInstallation, RepoNotFound, RepoTooLarge)


class ScanAbandoned(Exception):
    """The scan was ended as failed by the executor; the job has nothing left to do
    (its retry finds the report ended and returns)."""


class GitHubScanExecutor:
    def __init__(self, github: GitHubClient, *, scan_processes: int = 0) -> None:
        self.github = github
        # 0: scan on the worker's thread (tests on an in-memory database, one-off tools).
        self.processes = ScanProcesses(scan_processes) if scan_processes > 0 else None

    def __call__(self, target: ScanTarget, ctx: JobContext) -> ScanResult | RenderedScan:
        started = time.perf_counter()
        fields = {
            "job_id": ctx.job_id,
            "repo": f"{target.owner}/{target.repo}",
            "sha": target.sha,
            "installation_id": target.installation_id,
        }
        with tempfile.TemporaryDirectory(prefix="bastion-scan-") as tmp:
            dest = Path(tmp) / "tree"
            try:
                self.github.checkout(
                    target.installation_id,
                    target.owner,
                    target.repo,
                    target.ref,
                    dest,
                    sha=target.sha,
                )
            except PERMANENT_ERRORS as exc:
                self._abandon(ctx, f"{exc.code}: {exc.message}")
                log.warning(
                    "scan.abandoned", extra={**fields, "code": exc.code, "detail": exc.detail}
                )
                raise ScanAbandoned(exc.code) from exc
            except GitHubUnavailable as exc:
                log.warning("scan.github_unavailable", extra={**fields, "detail": exc.detail})
                raise
            ctx.check()
            scanned: ScanResult | RenderedScan
            if self.processes is not None and shares_database(ctx.engine):
                scanned = self.processes.scan(dest, ctx.engine)
                result = scanned.result
            else:
                scanned = result = scan_path(dest, LocalMirror(ctx.engine))
        log.info(
            "scan.scanned",
            extra={
                **fields,
                "conclusion": result.conclusion.value,
                "findings": len(result.findings),
                "total_deps": result.total_deps,
                "duration_ms": round((time.perf_counter() - started) * 1000),
            },
        )
        return scanned

    def _abandon(self, ctx: JobContext, error: str) -> None:
        with write_session(ctx.engine) as session:
            scan_id = session.scalars(
                select(ScanReport.id).where(ScanReport.job_id == ctx.job_id)
            ).one_or_none()
            if scan_id is not None:
                repository.end_incomplete(session, scan_id, ScanStatus.FAILED, error, ctx.clock())


def scan_resources(github: GitHubClient, *, scan_processes: int = 0) -> Resources:
    """What workers need to run ``sca.scan`` jobs; with ``scan_processes``, the scanning
    step runs in that many separate processes (see bastion.scans.isolation)."""
    return Resources({SCAN_EXECUTOR: GitHubScanExecutor(github, scan_processes=scan_processes)})

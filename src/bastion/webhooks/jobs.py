"""The ``github.check_run`` job: make the ``bastion`` check run show its scan's state.

The job reads the scan as it is now and tells GitHub: it creates the check run (queued,
in progress, or already completed if the scan ended first) or completes it with the
scan's conclusion. A GitHub outage fails the attempt and the worker retries it later with
backoff; the scan itself never waits for GitHub. Refusals no retry can fix (the App was
uninstalled, lost the repository or the checks permission) end the row as ``failed``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bastion.db.models.scans import ScanReport
from bastion.db.models.webhooks import CheckRunState, GitHubCheckRun
from bastion.db.session import read_session
from bastion.github.checks import CheckRunRefused, CheckRuns, CheckRunUpdate
from bastion.github.client import GitHubClient
from bastion.github.errors import InvalidInstallation, RepoNotFound
from bastion.jobs.base import GiveUp, JobContext, JobError, ResourceKey, Resources, job
from bastion.scans.executor import GitHubScanExecutor
from bastion.scans.jobs import SCAN_EXECUTOR
from bastion.webhooks import repository
from bastion.webhooks.output import check_run_update
from bastion.webhooks.repository import CHECK_RUN_JOB, CHECK_RUN_MAX_ATTEMPTS

log = logging.getLogger(__name__)

# Workers given this resource publish check runs with it (tests); others use the client
# of their GitHub scan executor, so check runs share its tokens and API-call metrics.
GITHUB_CLIENT: ResourceKey[GitHubClient] = ResourceKey("GitHub client")
CHECK_RUN_TIME_LIMIT = 300.0

PERMANENT_ERRORS = (InvalidInstallation, RepoNotFound, CheckRunRefused)
_LIVE = (CheckRunState.PENDING, CheckRunState.OPEN)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    scan_id: uuid.UUID
    installation_id: int
    owner: str
    repo: str
    head_sha: str
    github_id: int | None
    state: CheckRunState
    details_url: str | None
    update: CheckRunUpdate


def worker_github(resources: Resources) -> GitHubClient:
    if GITHUB_CLIENT in resources:
        return resources.get(GITHUB_CLIENT)
    executor = resources.get(SCAN_EXECUTOR) if SCAN_EXECUTOR in resources else None
    if isinstance(executor, GitHubScanExecutor):
        return executor.github
    raise JobError("no GitHub client configured for this worker")


def _release(session: Session, give_up: GiveUp, *, check_run_id: int) -> None:
    repository.release(session, check_run_id, give_up.reason, give_up.at)


@job(
    CHECK_RUN_JOB,
    time_limit=CHECK_RUN_TIME_LIMIT,
    max_attempts=CHECK_RUN_MAX_ATTEMPTS,
    on_give_up=_release,
)
def sync_check_run(ctx: JobContext, *, check_run_id: int) -> None:
    snapshot = _load(ctx, check_run_id)
    published: tuple[int | None, CheckRunState, str | None] | None = None
    if snapshot is not None and snapshot.state in _LIVE:
        github = worker_github(ctx.resources)
        try:
            github_id, state = _publish(
                CheckRuns(github), github.auth.app_id, snapshot, retrying=ctx.attempt > 1
            )
            published = (github_id, state, None)
        except PERMANENT_ERRORS as exc:
            log.warning(
                "check_run.refused",
                extra={"scan_id": str(snapshot.scan_id), "code": exc.code, "detail": exc.detail},
            )
            error = f"{exc.code}: {exc.detail or exc.message}"
            published = (snapshot.github_id, CheckRunState.FAILED, error)
    with ctx.finishing() as session:
        row = repository.lock_check_run(session, check_run_id)
        if row is None:
            return
        if published is not None:
            row.github_id, state, row.last_error = published
            row.state = state.value
            row.updated_at = ctx.clock()
        repository.hand_over(session, row, ctx.job_id)


def _load(ctx: JobContext, check_run_id: int) -> _Snapshot | None:
    with read_session(ctx.engine) as session:
        row = session.get(GitHubCheckRun, check_run_id)
        report = session.get(ScanReport, row.scan_id) if row is not None else None
        if row is None or report is None:
            return None
        return _Snapshot(
            scan_id=report.id,
            installation_id=report.installation_id,
            owner=report.owner,
            repo=report.repo,
            head_sha=report.head_sha,
            github_id=row.github_id,
            state=CheckRunState(row.state),
            details_url=row.details_url,
            update=check_run_update(report, details_url=row.details_url),
        )


def _publish(
    api: CheckRuns, app_id: int, snapshot: _Snapshot, *, retrying: bool
) -> tuple[int, CheckRunState]:
    """GitHub's id of the check run and what it now shows."""
    github_id = snapshot.github_id
    final = snapshot.update.status == "completed"
    found: list[int] = []
    if final or (github_id is None and retrying):
        # Runs this scan got without their id being recorded: an attempt that died after
        # creating one, or a create GitHub did but answered with an error, then retried.
        # All of them end with the scan's conclusion; none is left spinning.
        found = [
            run.id
            for run in api.find_ours(
                snapshot.installation_id,
                snapshot.owner,
                snapshot.repo,
                snapshot.head_sha,
                external_id=str(snapshot.scan_id),
                app_id=app_id,
            )
        ]
    if github_id is None and found:
        github_id = found[-1]
    if github_id is None:
        github_id = api.create(
            snapshot.installation_id,
            snapshot.owner,
            snapshot.repo,
            head_sha=snapshot.head_sha,
            update=snapshot.update,
            external_id=str(snapshot.scan_id),
            details_url=snapshot.details_url,
        ).id
    else:
        for run_id in sorted({github_id, *found}):
            api.update(
                snapshot.installation_id, snapshot.owner, snapshot.repo, run_id, snapshot.update
            )
    log.info(
        "check_run.published",
        extra={
            "scan_id": str(snapshot.scan_id),
            "check_run": github_id,
            "status": snapshot.update.status,
            "conclusion": snapshot.update.conclusion,
        },
    )
    return github_id, CheckRunState.COMPLETED if final else CheckRunState.OPEN

"""Webhook deliveries and check-run rows in the database; functions take the caller's
session.

Keeping check runs in step with scans without two jobs ever publishing one run at once
rests on one rule: a check-run row has at most one ``github.check_run`` job in flight
(``sync_job_id``), and each side locks in the same order:

* the webhook locks the scan report, then adds the check-run row and its job;
* the end of a scan updates the report, then locks the scan's check-run rows and queues a
  job for each that has none in flight (:func:`queue_check_run_updates`);
* the job, when it finishes, locks its row and only then reads the report: if the scan
  ended after the job read it, the job queues its successor.

So whichever commits first, the last word GitHub gets is the scan's final state.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from bastion.db.models.scans import ACTIVE_SCAN_STATUSES, ScanReport
from bastion.db.models.webhooks import CheckRunState, GitHubCheckRun, WebhookDelivery
from bastion.jobs.base import JobQueue
from bastion.jobs.store import JobStore
from bastion.scans.schemas import ScanTarget

# Declared here rather than in webhooks.jobs: the scan job queues it, and importing the
# job module from there would import the scan pipeline into itself.
CHECK_RUN_JOB = "github.check_run"
# With the worker's backoff (10 s doubling to 5 min) this rides out about 35 minutes of
# GitHub outage; each attempt has the client's own retries too.
CHECK_RUN_MAX_ATTEMPTS = 12
# GitHub lets people redeliver deliveries of the past few days; a week covers that.
DELIVERY_RETENTION = timedelta(days=7)

_LIVE = [CheckRunState.PENDING.value, CheckRunState.OPEN.value]
_ACTIVE = [s.value for s in ACTIVE_SCAN_STATUSES]


def delivery_seen(session: Session, delivery_id: str) -> bool:
    found = session.scalar(
        select(WebhookDelivery.delivery_id).where(WebhookDelivery.delivery_id == delivery_id)
    )
    return found is not None


def record_delivery(
    session: Session,
    *,
    delivery_id: str,
    event: str,
    action: str | None,
    installation_id: int,
    scan_id: uuid.UUID,
    now: datetime,
) -> None:
    """Raises IntegrityError (at this flush) when the delivery is already recorded."""
    session.add(
        WebhookDelivery(
            delivery_id=delivery_id,
            event=event,
            action=action,
            installation_id=installation_id,
            scan_id=scan_id,
            received_at=now,
        )
    )
    session.flush()


def purge_deliveries(session: Session, before: datetime) -> None:
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.received_at < before))


def recent_checked_scan(session: Session, target: ScanTarget, since: datetime) -> uuid.UUID | None:
    """The newest scan of this commit with a check run, created since ``since``."""
    return session.scalar(
        select(ScanReport.id)
        .join(GitHubCheckRun, GitHubCheckRun.scan_id == ScanReport.id)
        .where(
            ScanReport.installation_id == target.installation_id,
            ScanReport.owner == target.owner,
            ScanReport.repo == target.repo,
            ScanReport.head_sha == target.sha,
            ScanReport.created_at >= since,
        )
        .order_by(ScanReport.created_at.desc())
        .limit(1)
    )


def lock_report(session: Session, scan_id: uuid.UUID) -> None:
    """Hold the report until commit: the scan cannot end between now and then."""
    session.execute(select(ScanReport.id).where(ScanReport.id == scan_id).with_for_update())


def attach_check_run(
    session: Session,
    scan_id: uuid.UUID,
    *,
    details_url: str | None,
    queue: JobQueue,
    now: datetime,
) -> int:
    """The scan's check-run row, added with the job that creates it on GitHub unless the
    scan has one already. Call it with the report locked (:func:`lock_report`)."""
    existing = session.scalar(select(GitHubCheckRun.id).where(GitHubCheckRun.scan_id == scan_id))
    if existing is not None:
        return existing
    row = GitHubCheckRun(
        scan_id=scan_id,
        details_url=details_url,
        state=CheckRunState.PENDING.value,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    row.sync_job_id = queue.enqueue_in(session, CHECK_RUN_JOB, {"check_run_id": row.id})
    return row.id


def queue_check_run_updates(session: Session, scan_id: uuid.UUID, now: datetime) -> list[str]:
    """Queue a job for each check run of the scan that GitHub still shows open and that
    has no job in flight; call it after the scan's report has ended, in that transaction.

    The jobs are found by the workers' next poll (the scan job has no queue to ring).
    """
    rows = session.scalars(
        select(GitHubCheckRun)
        .where(GitHubCheckRun.scan_id == scan_id, GitHubCheckRun.state.in_(_LIVE))
        .with_for_update()
    ).all()
    queued = []
    for row in rows:
        if row.sync_job_id is None:
            row.sync_job_id = _queue_sync(session, row.id)
            row.updated_at = now
            queued.append(row.sync_job_id)
    return queued


def lock_check_run(session: Session, check_run_id: int) -> GitHubCheckRun | None:
    return session.scalars(
        select(GitHubCheckRun).where(GitHubCheckRun.id == check_run_id).with_for_update()
    ).one_or_none()


def scan_is_active(session: Session, scan_id: uuid.UUID) -> bool:
    status = session.scalar(select(ScanReport.status).where(ScanReport.id == scan_id))
    return status in _ACTIVE


def hand_over(session: Session, row: GitHubCheckRun, job_id: str) -> None:
    """End ``job_id``'s turn on ``row``: queue a successor if the scan ended while GitHub
    still shows the run open, else leave the row without a job."""
    if row.sync_job_id != job_id:
        return  # not this job's turn (never expected): leave it to the job in flight
    needs_more = row.state in _LIVE and not scan_is_active(session, row.scan_id)
    row.sync_job_id = _queue_sync(session, row.id) if needs_more else None


def release(session: Session, check_run_id: int, reason: str, now: datetime) -> None:
    """The row's job gave up: the next end of its scan may queue another."""
    session.execute(
        update(GitHubCheckRun)
        .where(GitHubCheckRun.id == check_run_id)
        .values(sync_job_id=None, last_error=reason, updated_at=now)
    )


def _queue_sync(session: Session, check_run_id: int) -> str:
    return JobStore(_engine(session)).enqueue_in(
        session,
        CHECK_RUN_JOB,
        {"check_run_id": check_run_id},
        max_attempts=CHECK_RUN_MAX_ATTEMPTS,
    )


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine

"""Acting on a verified delivery: queue a scan with its check run, or forget access.

Nothing here calls GitHub or scans: a delivery costs a few database writes, so GitHub
gets its answer well within its 10-second delivery timeout.

Scans a webhook asks for are not counted against the per-installation API budget (SPEC
§2, 60 scan requests an hour) and are never refused: GitHub does not redeliver a refused
delivery, so a refusal would silently leave a pull request without its check. They still
queue behind the installation's limit of 5 running scans. What keeps them bounded:

* a redelivery (same ``X-GitHub-Delivery``) changes nothing, even after its scan ended;
* one push sends several events for one commit (``pull_request`` ``synchronize`` and
  ``check_suite`` ``requested``; ``push`` and ``check_suite`` on the default branch):
  they share one scan and one check run, because a commit scanned with a check run in
  the last ``fold_window`` is not scanned again, and a running scan is joined. Re-runs
  asked for on GitHub (``rerequested``) always scan again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bastion.clock import Clock, utcnow
from bastion.db.session import read_session, write_session
from bastion.jobs.base import JobQueue
from bastion.scans.service import ScanService
from bastion.webhooks import repository
from bastion.webhooks.events import (
    ForgetInstallation,
    ForgetRepositories,
    Ignore,
    Reaction,
    ScanCommit,
)

log = logging.getLogger(__name__)

DEFAULT_FOLD_WINDOW = timedelta(minutes=10)


class AccessMemory(Protocol):
    """What the service needs of :class:`~bastion.github.cache.RepoAccessCache`."""

    def forget_installation(self, installation_id: int) -> None: ...

    def forget_repo(self, installation_id: int, owner: str, repo: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str  # X-GitHub-Delivery
    event: str  # X-GitHub-Event
    action: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a delivery did, for the log."""

    note: str
    scan_id: uuid.UUID | None = None


class WebhookService:
    def __init__(
        self,
        engine: Engine,
        scans: ScanService,
        queue: JobQueue,
        access: AccessMemory,
        *,
        scan_base_url: str | None = None,
        clock: Clock = utcnow,
        fold_window: timedelta = DEFAULT_FOLD_WINDOW,
    ) -> None:
        self.engine = engine
        self.scans = scans
        self.queue = queue
        self.access = access
        self.scan_base_url = scan_base_url.rstrip("/") if scan_base_url else None
        self.clock = clock
        self.fold_window = fold_window

    def apply(self, delivery: Delivery, reaction: Reaction) -> Outcome:
        match reaction:
            case ScanCommit():
                return self._scan(delivery, reaction)
            case ForgetInstallation(installation_id=installation_id):
                # This process's memory only; other processes' entries expire within
                # minutes and every scan job checks access again anyway.
                self.access.forget_installation(installation_id)
                return Outcome(f"forgot installation {installation_id}")
            case ForgetRepositories(installation_id=installation_id, repositories=repositories):
                for owner, repo in repositories:
                    self.access.forget_repo(installation_id, owner, repo)
                return Outcome(f"forgot {len(repositories)} repositories")
            case Ignore(reason=reason):
                return Outcome(f"ignored: {reason}")

    def details_url(self, scan_id: uuid.UUID) -> str | None:
        return f"{self.scan_base_url}/api/scan/{scan_id}" if self.scan_base_url else None

    def _scan(self, delivery: Delivery, commit: ScanCommit) -> Outcome:
        target = commit.target
        with read_session(self.engine) as session:
            if repository.delivery_seen(session, delivery.id):
                return Outcome("redelivery: nothing to do")
            recent = None
            if not commit.rerequested:
                since = self.clock() - self.fold_window
                recent = repository.recent_checked_scan(session, target, since)
        if recent is not None:
            self._record(delivery, target.installation_id, recent)
            return Outcome("commit scanned moments ago: joined that scan", recent)
        ticket = self.scans.request(target)
        if not self._record(delivery, target.installation_id, ticket.scan_id, attach=True):
            return Outcome("redelivery: nothing to do", ticket.scan_id)
        note = "scan queued" if ticket.created else "joined a running scan"
        return Outcome(note, ticket.scan_id)

    def _record(
        self,
        delivery: Delivery,
        installation_id: int,
        scan_id: uuid.UUID,
        *,
        attach: bool = False,
    ) -> bool:
        """Record the delivery (and, with ``attach``, give the scan its check run) in one
        transaction; False when a concurrent twin of the delivery recorded it first."""
        try:
            with write_session(self.engine) as session:
                now = self.clock()
                if attach:
                    repository.lock_report(session, scan_id)
                repository.record_delivery(
                    session,
                    delivery_id=delivery.id,
                    event=delivery.event,
                    action=delivery.action,
                    installation_id=installation_id,
                    scan_id=scan_id,
                    now=now,
                )
                if attach:
                    repository.attach_check_run(
                        session,
                        scan_id,
                        details_url=self.details_url(scan_id),
                        queue=self.queue,
                        now=now,
                    )
        except IntegrityError:
            return False
        self._forget_old_deliveries()
        return True

    def _forget_old_deliveries(self) -> None:
        # A transaction of its own, and best effort: two purges deleting the same rows in
        # different orders could deadlock, and that must not fail a delivery GitHub would
        # not send again.
        try:
            with write_session(self.engine) as session:
                before = self.clock() - repository.DELIVERY_RETENTION
                repository.purge_deliveries(session, before)
        except SQLAlchemyError:
            log.warning("could not purge old webhook deliveries", exc_info=True)

"""Findings of GitHub App dependency scans: which organisation a scanned repository
belongs to, then :func:`~bastion.findings.ingest.record_sca_scan`."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bastion.db.models.orgs import Organization
from bastion.findings.ingest import IngestSummary, record_sca_scan
from bastion.github.settings import get_github_settings
from bastion.models import ScanResult
from bastion.orgs.service import github_provider, organization_for_installation

log = logging.getLogger(__name__)


def record_repository_scan(
    session: Session,
    *,
    installation_id: int,
    owner: str,
    repo: str,
    scan_id: uuid.UUID,
    result: ScanResult,
    now: datetime,
    rows: list[dict[str, Any]] | None = None,
) -> IngestSummary:
    """Record a completed scan of ``owner/repo`` under the installation's organisation
    (created on first use, under ``gh`` or ``ghe`` by the configured GitHub API URL)."""
    org = _organization(session, installation_id, owner, now)
    summary = record_sca_scan(
        session,
        organization_id=org.id,
        repository=f"{owner}/{repo}",
        scan_id=scan_id,
        findings=result.findings,
        now=now,
        unreadable_sources=[issue.source for issue in result.errors],
        rows=rows,
    )
    log.info(
        "findings.recorded",
        extra={
            "scan_id": str(scan_id),
            "repo": f"{owner}/{repo}",
            "organization_id": str(org.id),
            "new": summary.new,
            "updated": summary.updated,
            "reopened": summary.reopened,
            "fixed": summary.fixed,
        },
    )
    return summary


def _organization(
    session: Session, installation_id: int, owner: str, now: datetime
) -> Organization:
    provider = github_provider(get_github_settings().resolved_api_url())
    try:
        # A savepoint: two first scans of a new installation may both create its
        # organisation; the loser finds the winner's instead of failing the scan.
        with session.begin_nested():
            return organization_for_installation(session, provider, installation_id, owner, now)
    except IntegrityError:
        return organization_for_installation(session, provider, installation_id, owner, now)

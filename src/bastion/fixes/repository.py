"""Reading a stored scan back for a fix: the report row and its SPEC §1 findings.

The report's ``result`` column holds the whole result as
:func:`bastion.reports.json.result_to_dict` wrote it; the findings are rebuilt from it
(:func:`bastion.reports.stored_result.result_from_dict`) because the finding rows lack
what a fix needs (whether a dependency is direct, its path, its advisory's aliases).
"""

from __future__ import annotations

import uuid

import orjson
from sqlalchemy.orm import Session

from bastion.db.models.scans import ScanReport
from bastion.models import Finding
from bastion.reports.stored_result import StoredResultError, result_from_dict
from bastion.scans import repository


def get_report(session: Session, scan_id: uuid.UUID, installation_id: int) -> ScanReport | None:
    """The report, if it exists and belongs to ``installation_id``."""
    return repository.get_report(session, scan_id, installation_id=installation_id)


def stored_findings(report: ScanReport) -> list[Finding]:
    """The findings of a finished report; none when its stored result is unreadable."""
    if not report.result:
        return []
    try:
        return list(result_from_dict(orjson.loads(report.result)).findings)
    except (StoredResultError, orjson.JSONDecodeError):
        return []

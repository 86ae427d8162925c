"""Reading a stored scan back for a fix: the report row and its SPEC §1 findings.

The report's ``result`` column holds the whole result as
:func:`bastion.reports.json.result_to_dict` wrote it; the findings are rebuilt from it
because the finding rows lack what a fix needs (whether a dependency is direct, its
path, its advisory's aliases).
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy.orm import Session

from bastion.db.models.scans import ScanReport
from bastion.ecosystems import parse_ecosystem
from bastion.models import Dependency, Finding, Severity, Vulnerability
from bastion.scans import repository


def get_report(session: Session, scan_id: uuid.UUID, installation_id: int) -> ScanReport | None:
    """The report, if it exists and belongs to ``installation_id``."""
    return repository.get_report(session, scan_id, installation_id=installation_id)


def stored_findings(report: ScanReport) -> list[Finding]:
    """The findings of a finished report; findings of unknown ecosystems are left out."""
    if not report.result:
        return []
    result = orjson.loads(report.result)
    findings: list[Finding] = []
    for item in result.get("findings", []):
        dependency = _dependency(item["dependency"])
        if dependency is None:
            continue
        findings.append(
            Finding(
                dependency=dependency,
                vulnerability=_vulnerability(item["vulnerability"]),
                is_imported=bool(item.get("is_imported")),
                reachability=str(item.get("reachability", "not_analyzed")),
                approximate=bool(item.get("approximate")),
            )
        )
    return findings


def _dependency(data: dict[str, Any]) -> Dependency | None:
    ecosystem = parse_ecosystem(str(data["ecosystem"]))
    if ecosystem is None:
        return None
    return Dependency(
        name=str(data["name"]),
        version=data.get("version"),
        ecosystem=ecosystem,
        direct=bool(data.get("direct")),
        source=str(data["source"]),
        line=data.get("line"),
        group=data.get("group"),
        path=tuple(data.get("path") or ()),
        license=data.get("license"),
    )


def _vulnerability(data: dict[str, Any]) -> Vulnerability:
    return Vulnerability(
        id=str(data["id"]),
        aliases=tuple(data.get("aliases") or ()),
        summary=str(data.get("summary") or ""),
        details=str(data.get("details") or ""),
        severity=Severity(data.get("severity") or Severity.UNKNOWN.value),
        cvss_score=data.get("cvss_score"),
        cvss_vector=data.get("cvss_vector"),
        fixed_version=data.get("fixed_version"),
        affected_ranges=str(data.get("affected_ranges") or ""),
        url=str(data.get("url") or ""),
        informational=data.get("informational"),
        published=data.get("published"),
        modified=data.get("modified"),
    )

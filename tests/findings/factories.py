"""Organisations, targets and scan findings for the findings-store tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine

from bastion.dast.model import Confidence, DastFinding, Location
from bastion.db.models.dast import DastTarget
from bastion.db.models.findings import FindingStatus, ScanType, SecurityFinding
from bastion.db.models.orgs import Provider
from bastion.db.session import write_session
from bastion.ecosystems import Ecosystem
from bastion.models import Finding, Severity
from bastion.orgs.service import create_organization
from tests.reports import factories

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TARGET_URL = "https://shop.example.test"


def organization(engine: Engine, name: str = "acme", now: datetime = T0) -> uuid.UUID:
    with write_session(engine) as session:
        return create_organization(session, Provider.GITHUB, name, now).id


def target(
    engine: Engine, organization_id: uuid.UUID, url: str = TARGET_URL, now: datetime = T0
) -> uuid.UUID:
    with write_session(engine) as session:
        row = DastTarget(
            id=uuid.uuid4(),
            organization_id=organization_id,
            url=url,
            url_key=f"{url}#{uuid.uuid4()}",
            type="webapp",
            auth_header_names="[]",
            created_at=now,
        )
        session.add(row)
        return row.id


def sca(
    package: str = "lodash",
    advisory: str = "GHSA-35jh-r3h4-6jhm",
    *,
    ecosystem: Ecosystem = Ecosystem.NPM,
    version: str = "4.17.20",
    severity: Severity = Severity.HIGH,
    source: str = "package-lock.json",
    is_imported: bool = False,
) -> Finding:
    return factories.finding(
        factories.dependency(package, version, ecosystem, source=source),
        factories.vulnerability(advisory, severity),
        is_imported=is_imported,
    )


def dast(
    rule_id: str = "xss-reflected",
    url: str = f"{TARGET_URL}/search?q=1",
    parameter: str | None = "q",
    *,
    method: str = "GET",
    severity: Severity = Severity.HIGH,
    confidence: Confidence = Confidence.HIGH,
    name: str = "Reflected cross-site scripting",
) -> DastFinding:
    return DastFinding(
        rule_id=rule_id,
        name=name,
        cwe=79,
        severity=severity,
        confidence=confidence,
        url=url,
        method=method,
        parameter=parameter,
        evidence="<script>alert(1)</script>",
        location=Location.QUERY if parameter else None,
    )


def stored(
    organization_id: uuid.UUID,
    *,
    scan_type: ScanType = ScanType.SCA,
    severity: Severity = Severity.HIGH,
    status: FindingStatus = FindingStatus.OPEN,
    first_seen: datetime = T0,
    last_seen: datetime | None = None,
    **columns: object,
) -> SecurityFinding:
    """A stored finding as ingestion would leave it, with every field under control."""
    sca_type = scan_type is ScanType.SCA
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "organization_id": organization_id,
        "scan_type": scan_type.value,
        "fingerprint": uuid.uuid4().hex * 2,
        "severity": severity.value,
        "severity_rank": severity.rank,
        "status": status.value,
        "title": "Prototype pollution" if sca_type else "Reflected cross-site scripting",
        "rule_id": "GHSA-35jh-r3h4-6jhm" if sca_type else "xss-reflected",
        "repository": "acme/shop" if sca_type else None,
        "ecosystem": "npm" if sca_type else None,
        "package": "lodash" if sca_type else None,
        "endpoint": None if sca_type else f"{TARGET_URL}/search",
        "method": None if sca_type else "GET",
        "details": "{}",
        "first_seen_at": first_seen,
        "last_seen_at": last_seen or first_seen,
        "first_scan_id": uuid.uuid4(),
        "last_scan_id": uuid.uuid4(),
        **columns,
    }
    return SecurityFinding(**values)


def insert(engine: Engine, findings: list[SecurityFinding]) -> list[SecurityFinding]:
    with write_session(engine) as session:
        session.add_all(findings)
    return findings

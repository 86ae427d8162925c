"""The service's ORM models, one module per domain, all on :class:`bastion.db.tables.Base`.

Importing this package registers every table on ``Base.metadata``; the Alembic
environment and the schema test import it for that reason. The CLI's scan path never
does, so a local scan pays nothing for the server's tables.
"""

from bastion.db.models.accounts import Account, ApiToken
from bastion.db.models.dast import (
    ACTIVE_DAST_SCAN_STATUSES,
    DastScan,
    DastScanStatus,
    DastTarget,
    TargetType,
)
from bastion.db.models.findings import FindingStatus, ScanType, SecurityFinding
from bastion.db.models.jobs import Job, JobStatus
from bastion.db.models.orgs import Membership, Organization, Provider, Role
from bastion.db.models.ratelimit import RateLimitEvent
from bastion.db.models.scans import (
    ACTIVE_SCAN_STATUSES,
    ScanDependency,
    ScanFinding,
    ScanReport,
    ScanStatus,
)
from bastion.db.models.webhooks import CheckRunState, GitHubCheckRun, WebhookDelivery

__all__ = [
    "ACTIVE_DAST_SCAN_STATUSES",
    "ACTIVE_SCAN_STATUSES",
    "Account",
    "ApiToken",
    "CheckRunState",
    "DastScan",
    "DastScanStatus",
    "DastTarget",
    "FindingStatus",
    "GitHubCheckRun",
    "Job",
    "JobStatus",
    "Membership",
    "Organization",
    "Provider",
    "RateLimitEvent",
    "Role",
    "ScanDependency",
    "ScanFinding",
    "ScanReport",
    "ScanStatus",
    "ScanType",
    "SecurityFinding",
    "TargetType",
    "WebhookDelivery",
]

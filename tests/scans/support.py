"""Scan executors for tests: instant, blocking, failing."""

from __future__ import annotations

import time
from pathlib import Path

from bastion.ecosystems import Ecosystem
from bastion.jobs.base import JobContext
from bastion.models import ScanResult, Severity
from bastion.scans.schemas import ScanTarget
from tests.reports import factories

SHA = "0123456789abcdef0123456789abcdef01234567"


def target(installation_id: int = 7, sha: str = SHA, **overrides: object) -> ScanTarget:
    values: dict[str, object] = {
        "installation_id": installation_id,
        "owner": "Acme",
        "repo": "Shop",
        "ref": "main",
        "sha": sha,
        "pr_number": None,
    }
    values.update(overrides)
    return ScanTarget(**values)  # type: ignore[arg-type]


def vulnerable_result() -> ScanResult:
    """Two findings (one imported), one of them reached by two paths, plus a clean dep."""
    lodash = factories.dependency()
    lodash_again = factories.dependency(path=("app", "other", "lodash"), direct=False)
    django = factories.dependency(
        "Django", "3.2.0", Ecosystem.PYPI, source="requirements.txt", line=3
    )
    clean = factories.dependency("left-pad", "1.3.0")
    findings = (
        factories.finding(lodash, is_imported=False),
        factories.finding(lodash_again, is_imported=True),
        factories.finding(
            django,
            factories.vulnerability("PYSEC-2021-98", Severity.MEDIUM, fixed_version="3.2.4"),
            is_imported=False,
        ),
    )
    return factories.result(findings, (clean,))


def instant(_target: ScanTarget, _ctx: JobContext) -> ScanResult:
    return vulnerable_result()


class Blocking:
    """Writes ``marker`` when the scan starts, then never returns (until killed)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __call__(self, _target: ScanTarget, ctx: JobContext) -> ScanResult:
        self.marker.write_text(ctx.job_id)
        time.sleep(3600)
        raise AssertionError("unreachable")

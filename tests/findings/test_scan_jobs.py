"""The sca.scan job feeds the findings store: completed scans only, in the same
transaction as the scan's result, under the installation's organisation."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine, select

from bastion.db.models.findings import SecurityFinding
from bastion.db.models.orgs import Organization
from bastion.db.session import read_session
from bastion.github.settings import get_github_settings
from bastion.jobs.base import JobContext, JobRegistry, Resources, load_registry
from bastion.jobs.store import JobStore
from bastion.jobs.worker import Outcome, Worker
from bastion.models import ScanResult
from bastion.scans.jobs import SCAN_EXECUTOR, SCAN_JOB, ScanExecutor
from bastion.scans.schemas import ScanTarget
from bastion.scans.service import ScanService
from tests.reports import factories
from tests.scans.support import instant, target

INSTALLATION = 7


def _registry() -> JobRegistry:
    registry = load_registry().copy()
    # One attempt: a failing scan gives up at once.
    registry.specs[SCAN_JOB] = dataclasses.replace(registry.get(SCAN_JOB), max_attempts=1)
    return registry


def _scan(engine: Engine, executor: ScanExecutor, sha: str) -> Outcome:
    registry = _registry()
    ScanService(engine, JobStore(engine, registry=registry)).request(target(sha=sha))
    worker = Worker(
        JobStore(engine, registry=registry),
        registry,
        resources=Resources({SCAN_EXECUTOR: executor}),
    )
    run = worker.run_once()
    assert run is not None
    return run.outcome


def _findings(engine: Engine) -> list[tuple[str, str, str, str | None]]:
    with read_session(engine) as session:
        rows = session.execute(
            select(
                Organization.provider,
                SecurityFinding.repository,
                SecurityFinding.status,
                SecurityFinding.package,
            )
            .join(Organization, Organization.id == SecurityFinding.organization_id)
            .order_by(SecurityFinding.package)
        )
        return [(p, r or "", s, pkg) for p, r, s, pkg in rows]


def _nothing_found(_target: ScanTarget, _ctx: JobContext) -> ScanResult:
    return factories.result()


def _broken(_target: ScanTarget, _ctx: JobContext) -> ScanResult:
    raise OSError("archive download failed")


@pytest.fixture(autouse=True)
def _fresh_github_settings() -> None:
    get_github_settings.cache_clear()


def test_completed_scans_open_and_fix_findings(db_engine: Engine) -> None:
    assert _scan(db_engine, instant, "a" * 40) is Outcome.DONE
    # lodash reached by two paths is one finding; the installation got its organisation.
    assert _findings(db_engine) == [
        ("gh", "acme/shop", "open", "Django"),
        ("gh", "acme/shop", "open", "lodash"),
    ]
    with read_session(db_engine) as session:
        org = session.scalars(select(Organization)).one()
    assert (org.name, org.github_installation_id) == ("acme", INSTALLATION)

    assert _scan(db_engine, _nothing_found, "b" * 40) is Outcome.DONE
    assert [status for _, _, status, _ in _findings(db_engine)] == ["fixed", "fixed"]


def test_a_failed_scan_fixes_nothing(db_engine: Engine) -> None:
    _scan(db_engine, instant, "a" * 40)
    assert _scan(db_engine, _broken, "b" * 40) is Outcome.FAILED
    assert [status for _, _, status, _ in _findings(db_engine)] == ["open", "open"]


def test_an_enterprise_server_files_findings_under_ghe(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "https://github.example.com/api/v3")
    _scan(db_engine, instant, "a" * 40)
    assert {provider for provider, _, _, _ in _findings(db_engine)} == {"ghe"}

"""Check runs follow their scans through the job system, and GitHub outages only delay
them. Workers are run step by step, so each interleaving is chosen, not hoped for."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from bastion.clock import utcnow
from bastion.db.models.scans import ScanReport
from bastion.db.models.webhooks import CheckRunState, GitHubCheckRun, WebhookDelivery
from bastion.db.session import read_session
from bastion.github.cache import RepoAccessCache
from bastion.github.client import GitHubClient
from bastion.jobs.base import JobContext, JobRegistry, Resources, load_registry
from bastion.jobs.store import JobStore
from bastion.jobs.worker import Outcome, Worker
from bastion.models import ScanResult
from bastion.scans.executor import GitHubScanExecutor
from bastion.scans.jobs import SCAN_EXECUTOR, SCAN_JOB, ScanExecutor
from bastion.scans.schemas import ScanTarget
from bastion.scans.service import ScanService
from bastion.webhooks.events import ScanCommit
from bastion.webhooks.jobs import GITHUB_CLIENT
from bastion.webhooks.repository import (
    CHECK_RUN_JOB,
    CHECK_RUN_MAX_ATTEMPTS,
    DELIVERY_RETENTION,
)
from bastion.webhooks.service import Delivery, WebhookService
from bastion.webhooks.service import Outcome as Applied
from tests.scans.support import instant
from tests.server.conftest import ACME, GLOBEX
from tests.support.github_standin import GitHubStandin, StandinCheckRun

BASE_URL = "https://bastion.example.com"


def registry(*kinds: str) -> JobRegistry:
    """The job kinds a worker runs (all by default)."""
    full = load_registry()
    return JobRegistry({k: s for k, s in full.specs.items() if not kinds or k in kinds})


def worker(
    engine: Engine,
    github: GitHubClient,
    jobs: JobRegistry,
    executor: ScanExecutor = instant,
) -> Worker:
    return Worker(
        JobStore(engine, registry=jobs),
        jobs,
        resources=Resources({SCAN_EXECUTOR: executor, GITHUB_CLIENT: github}),
        # Retried at once: the tests decide when a retry runs by calling run_once.
        retry_delay=lambda _attempt: timedelta(0),
    )


def drain(*workers: Worker) -> list[Outcome]:
    outcomes: list[Outcome] = []
    while True:
        runs = [run for w in workers if (run := w.run_once()) is not None]
        if not runs:
            return outcomes
        outcomes.extend(run.outcome for run in runs)


@pytest.fixture
def service(engine: Engine, github_client: GitHubClient) -> WebhookService:
    store = JobStore(engine)
    return WebhookService(
        engine,
        ScanService(engine, store),
        store,
        RepoAccessCache(github_client),
        scan_base_url=BASE_URL + "/",
    )


def head(github: GitHubStandin, owner: str = "acme", repo: str = "npm-app") -> str:
    return github.repos[(owner, repo)].refs["heads/main"]


def pull_request(
    github: GitHubStandin,
    *,
    installation: int = ACME,
    owner: str = "acme",
    repo: str = "npm-app",
    rerequested: bool = False,
) -> ScanCommit:
    target = ScanTarget(installation, owner, repo, "feature", head(github, owner, repo), 7)
    return ScanCommit(target, rerequested=rerequested)


def deliver(service: WebhookService, commit: ScanCommit, delivery: str | None = None) -> Applied:
    return service.apply(Delivery(delivery or str(uuid.uuid4()), "pull_request", "opened"), commit)


def statuses(run: StandinCheckRun) -> list[str]:
    return [request.get("status", "?") for request in run.requests]


def check_rows(engine: Engine) -> list[GitHubCheckRun]:
    with read_session(engine) as session:
        return list(session.scalars(select(GitHubCheckRun).order_by(GitHubCheckRun.id)))


def only(items: Iterable[StandinCheckRun]) -> StandinCheckRun:
    [item] = list(items)
    return item


def test_a_scan_that_ends_first_gets_a_completed_check_run_at_once(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient, service: WebhookService
) -> None:
    applied = deliver(service, pull_request(github))
    assert applied.note == "scan queued"
    assert drain(worker(engine, github_client, registry())) == [Outcome.DONE, Outcome.DONE]

    run = only(github.check_runs_on(head(github)))
    assert (run.name, run.status, run.conclusion) == ("bastion", "completed", "failure")
    assert run.external_id == str(applied.scan_id)
    assert run.details_url == f"{BASE_URL}/api/scan/{applied.scan_id}"
    assert run.output["title"] == "❌ Found 3 vulnerabilities"
    assert statuses(run) == ["completed"]
    [row] = check_rows(engine)
    assert (row.state, row.github_id, row.sync_job_id) == ("completed", run.id, None)


def test_a_check_run_opened_during_the_scan_is_completed_when_it_ends(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient, service: WebhookService
) -> None:
    checks = worker(engine, github_client, registry(CHECK_RUN_JOB))
    scans = worker(engine, github_client, registry(SCAN_JOB))
    deliver(service, pull_request(github))

    assert drain(checks) == [Outcome.DONE]
    run = only(github.check_runs_on(head(github)))
    assert (run.status, run.conclusion) == ("queued", None)
    assert check_rows(engine)[0].state == CheckRunState.OPEN.value

    assert drain(scans) == [Outcome.DONE]  # the scan's end queues the update...
    assert drain(checks) == [Outcome.DONE]  # ...which completes the same check run
    assert statuses(run) == ["queued", "completed"]
    assert (run.status, run.conclusion) == ("completed", "failure")
    assert check_rows(engine)[0].sync_job_id is None


def test_github_down_when_completing_delays_the_check_run_not_the_scan(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient, service: WebhookService
) -> None:
    checks = worker(engine, github_client, registry(CHECK_RUN_JOB))
    scans = worker(engine, github_client, registry(SCAN_JOB))
    applied = deliver(service, pull_request(github))
    drain(checks)
    github.fail(r"/check-runs/\d+$", 502, times=4)  # two attempts' worth of client retries

    assert drain(scans) == [Outcome.DONE]
    with read_session(engine) as session:
        report = session.get(ScanReport, applied.scan_id)
        assert report is not None
        assert (report.status, report.conclusion) == ("done", "failure")

    assert checks.run_once().outcome is Outcome.RETRYING  # type: ignore[union-attr]
    assert checks.run_once().outcome is Outcome.RETRYING  # type: ignore[union-attr]
    assert drain(checks) == [Outcome.DONE]
    run = only(github.check_runs_on(head(github)))
    assert (run.status, run.conclusion) == ("completed", "failure")


def test_a_check_run_that_never_gets_through_is_released(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient, service: WebhookService
) -> None:
    deliver(service, pull_request(github))
    github.fail(r"/check-runs", 503, times=1000)
    outcomes = drain(worker(engine, github_client, registry()))
    assert outcomes == [Outcome.DONE] + [Outcome.RETRYING] * (CHECK_RUN_MAX_ATTEMPTS - 1) + [
        Outcome.FAILED
    ]
    [row] = check_rows(engine)
    assert row.state == CheckRunState.PENDING.value
    # Released: the next end of a scan of the commit may try again.
    assert row.sync_job_id is None
    assert row.last_error is not None
    assert row.last_error.startswith("GitHubUnavailable")


def test_a_create_github_did_but_answered_badly_leaves_no_run_spinning(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient, service: WebhookService
) -> None:
    checks = worker(engine, github_client, registry(CHECK_RUN_JOB))
    scans = worker(engine, github_client, registry(SCAN_JOB))
    deliver(service, pull_request(github))
    # GitHub creates the run, the connection drops, the client retries: two runs.
    github.disconnect(r"/check-runs$", times=1)
    drain(checks)
    assert len(github.check_runs_on(head(github))) == 2

    drain(scans)
    drain(checks)
    runs = github.check_runs_on(head(github))
    assert [(r.status, r.conclusion) for r in runs] == [("completed", "failure")] * 2


def test_an_attempt_that_died_after_creating_the_run_is_not_repeated(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient, service: WebhookService
) -> None:
    checks = worker(engine, github_client, registry(CHECK_RUN_JOB))
    deliver(service, pull_request(github))
    # Both of the first attempt's tries reach GitHub, neither answer comes back.
    github.disconnect(r"/check-runs$", times=2)
    assert checks.run_once().outcome is Outcome.RETRYING  # type: ignore[union-attr]
    assert len(github.check_runs_on(head(github))) == 2
    assert drain(checks) == [Outcome.DONE]
    # The retry found them instead of creating a third.
    assert len(github.check_runs_on(head(github))) == 2
    assert check_rows(engine)[0].github_id == github.check_runs_on(head(github))[-1].id


def test_a_scan_that_fails_completes_its_check_run_neutral(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient, service: WebhookService
) -> None:
    def broken(_target: ScanTarget, _ctx: JobContext) -> ScanResult:
        raise OSError("disk full")

    deliver(service, pull_request(github))
    drain(worker(engine, github_client, registry(), broken))
    run = only(github.check_runs_on(head(github)))
    assert (run.status, run.conclusion) == ("completed", "neutral")
    assert run.output["title"] == "Scan incomplete"
    assert "scan incomplete" in run.output["summary"]


def test_a_scan_the_executor_abandons_completes_its_check_run_with_the_reason(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient, service: WebhookService
) -> None:
    deliver(service, pull_request(github))
    github.fail(r"/tarball/", 404, times=1)
    drain(worker(engine, github_client, registry(), GitHubScanExecutor(github_client)))
    run = only(github.check_runs_on(head(github)))
    assert (run.status, run.conclusion) == ("completed", "neutral")
    assert "repo_not_found" in run.output["summary"]


def test_a_repository_the_app_cannot_write_to_ends_the_row_failed_without_retries(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient, service: WebhookService
) -> None:
    # globex/billing is outside the installation's selection: GitHub answers 404.
    commit = pull_request(github, installation=GLOBEX, owner="globex", repo="billing")
    deliver(service, commit)
    outcomes = drain(worker(engine, github_client, registry()))
    assert outcomes == [Outcome.DONE, Outcome.DONE]
    [row] = check_rows(engine)
    assert row.state == CheckRunState.FAILED.value
    assert row.last_error is not None
    assert row.last_error.startswith("check_run_refused")
    assert row.sync_job_id is None


def test_redeliveries_joins_and_rerequests(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient, service: WebhookService
) -> None:
    commit = pull_request(github)
    first = deliver(service, commit, "delivery-1")
    # Another event of the same push while the scan is queued: same scan, same check run.
    assert deliver(service, commit).scan_id == first.scan_id
    drain(worker(engine, github_client, registry()))
    # The same delivery again, after its scan ended: nothing.
    assert deliver(service, commit, "delivery-1").note == "redelivery: nothing to do"
    # Another automatic event moments later: still that scan.
    assert deliver(service, commit).scan_id == first.scan_id
    assert len(github.check_runs_on(head(github))) == 1
    assert len(check_rows(engine)) == 1

    # "Re-run" on GitHub: a new scan and a new check run.
    again = deliver(service, dataclasses.replace(commit, rerequested=True))
    assert again.note == "scan queued"
    assert again.scan_id != first.scan_id
    drain(worker(engine, github_client, registry()))
    runs = github.check_runs_on(head(github))
    assert [(r.external_id, r.conclusion) for r in runs] == [
        (str(first.scan_id), "failure"),
        (str(again.scan_id), "failure"),
    ]


def test_a_commit_scanned_long_ago_is_scanned_again(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient
) -> None:
    store = JobStore(engine)
    service = WebhookService(
        engine,
        ScanService(engine, store),
        store,
        RepoAccessCache(github_client),
        fold_window=timedelta(0),
    )
    first = deliver(service, pull_request(github))
    drain(worker(engine, github_client, registry()))
    second = deliver(service, pull_request(github))
    assert second.scan_id != first.scan_id


def test_simultaneous_deliveries_of_one_commit_share_one_scan_and_check_run(
    engine: Engine, github: GitHubStandin, service: WebhookService
) -> None:
    commit = pull_request(github)
    # Each twice: redeliveries racing their first delivery too.
    deliveries = [f"delivery-{i % 4}" for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda d: deliver(service, commit, d), deliveries))
    assert len({outcome.scan_id for outcome in outcomes if outcome.scan_id}) == 1
    assert len(check_rows(engine)) == 1
    with read_session(engine) as session:
        assert len(session.scalars(select(ScanReport)).all()) == 1


def test_deliveries_are_remembered_for_a_week(
    engine: Engine, github: GitHubStandin, github_client: GitHubClient
) -> None:
    now = [utcnow()]
    store = JobStore(engine)
    service = WebhookService(
        engine,
        ScanService(engine, store),
        store,
        RepoAccessCache(github_client),
        clock=lambda: now[0],
    )
    deliver(service, pull_request(github), "old")
    now[0] += DELIVERY_RETENTION + timedelta(minutes=1)
    deliver(service, pull_request(github, repo="python-app"), "new")
    with read_session(engine) as session:
        kept = session.scalars(select(WebhookDelivery.delivery_id)).all()
    assert kept == ["new"]

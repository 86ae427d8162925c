"""The findings lifecycle, on SQLite and PostgreSQL: new → seen again → fixed →
reopened, ignored sticks, duplicates merge, scopes stay apart, concurrent scans agree."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import orjson
from sqlalchemy import Engine, select, update

from bastion.accounts.service import create_account
from bastion.dast.model import Confidence, DastFinding
from bastion.db.models.findings import FindingStatus, SecurityFinding
from bastion.db.session import read_session, write_session
from bastion.ecosystems import Ecosystem
from bastion.findings import repository
from bastion.findings.ingest import IngestSummary, record_dast_scan, record_sca_scan
from bastion.models import Finding, Severity
from tests.findings.factories import T0, TARGET_URL, dast, organization, sca, target

REPO = "Acme/Shop"


def ingest_sca(
    engine: Engine,
    org: uuid.UUID,
    findings: Sequence[Finding],
    now: datetime,
    repository: str = REPO,
) -> IngestSummary:
    with write_session(engine) as session:
        return record_sca_scan(
            session,
            organization_id=org,
            repository=repository,
            scan_id=uuid.uuid4(),
            findings=findings,
            now=now,
        )


def ingest_dast(
    engine: Engine,
    org: uuid.UUID,
    target_id: uuid.UUID,
    findings: Sequence[DastFinding],
    now: datetime,
) -> IngestSummary:
    with write_session(engine) as session:
        return record_dast_scan(
            session,
            organization_id=org,
            target_id=target_id,
            target_url=TARGET_URL,
            scan_id=uuid.uuid4(),
            findings=findings,
            now=now,
        )


def rows(engine: Engine, org: uuid.UUID) -> list[SecurityFinding]:
    with read_session(engine) as session:
        return list(
            session.scalars(
                select(SecurityFinding)
                .where(SecurityFinding.organization_id == org)
                .order_by(SecurityFinding.rule_id, SecurityFinding.package)
            )
        )


def test_sca_lifecycle_new_seen_fixed_reopened(db_engine: Engine) -> None:
    org = organization(db_engine)
    t1, t2, t3, t4 = (T0 + timedelta(hours=h) for h in range(4))

    first = ingest_sca(db_engine, org, [sca("lodash"), sca("minimist", "GHSA-vh95-rmgr-6w4m")], t1)
    assert first == IngestSummary(new=2)
    [lodash, minimist] = rows(db_engine, org)
    assert (lodash.status, lodash.first_seen_at, lodash.last_seen_at) == ("open", t1, t1)
    assert lodash.repository == "acme/shop"
    assert lodash.severity_rank == Severity.HIGH.rank

    # Seen again at a newer version: same finding (the version is not in the fingerprint).
    second = ingest_sca(db_engine, org, [sca("lodash", version="4.17.19")], t2)
    assert second == IngestSummary(updated=1, fixed=1)
    [lodash, minimist] = rows(db_engine, org)
    assert (lodash.status, lodash.first_seen_at, lodash.last_seen_at) == ("open", t1, t2)
    assert lodash.version == "4.17.19"
    assert (minimist.status, minimist.fixed_at, minimist.last_seen_at) == ("fixed", t2, t1)

    # A fixed finding that stays away stays fixed, with its first fix time.
    assert ingest_sca(db_engine, org, [sca("lodash")], t3) == IngestSummary(updated=1)
    assert rows(db_engine, org)[1].fixed_at == t2

    fourth = ingest_sca(db_engine, org, [sca("minimist", "GHSA-vh95-rmgr-6w4m")], t4)
    assert fourth == IngestSummary(reopened=1, fixed=1)
    [lodash, minimist] = rows(db_engine, org)
    assert (minimist.status, minimist.fixed_at, minimist.first_seen_at) == ("open", None, t1)
    assert minimist.last_seen_at == t4
    assert (lodash.status, lodash.fixed_at) == ("fixed", t4)


def test_an_empty_completed_scan_fixes_everything_open(db_engine: Engine) -> None:
    org = organization(db_engine)
    ingest_sca(db_engine, org, [sca("lodash"), sca("minimist", "GHSA-vh95-rmgr-6w4m")], T0)
    assert ingest_sca(db_engine, org, [], T0 + timedelta(1)) == IngestSummary(fixed=2)
    assert {row.status for row in rows(db_engine, org)} == {"fixed"}


def test_ignored_sticks_but_last_seen_moves(db_engine: Engine) -> None:
    org = organization(db_engine)
    ingest_sca(db_engine, org, [sca("lodash")], T0)
    with write_session(db_engine) as session:
        session.execute(
            update(SecurityFinding).values(
                status=FindingStatus.IGNORED.value, ignored_at=T0, ignored_reason="dev only"
            )
        )
    later = T0 + timedelta(days=1)
    assert ingest_sca(db_engine, org, [sca("lodash")], later) == IngestSummary(ignored=1)
    [row] = rows(db_engine, org)
    assert (row.status, row.last_seen_at, row.ignored_reason) == ("ignored", later, "dev only")
    # Not reported any more: an ignored finding is not "fixed" behind the person's back.
    assert ingest_sca(db_engine, org, [], later + timedelta(1)) == IngestSummary()
    assert rows(db_engine, org)[0].status == "ignored"


def test_duplicates_in_one_scan_merge_to_the_worst(db_engine: Engine) -> None:
    org = organization(db_engine)
    findings = [
        sca("Django", "PYSEC-1", ecosystem=Ecosystem.PYPI, severity=Severity.LOW),
        sca(
            "django",
            "PYSEC-1",
            ecosystem=Ecosystem.PYPI,
            severity=Severity.CRITICAL,
            version="3.2.1",
            source="sub/requirements.txt",
        ),
        sca("DJANGO", "PYSEC-1", ecosystem=Ecosystem.PYPI, is_imported=True),
    ]
    assert ingest_sca(db_engine, org, findings, T0) == IngestSummary(new=1)
    [row] = rows(db_engine, org)
    assert (row.severity, row.version, row.is_imported) == ("CRITICAL", "3.2.1", True)
    details = orjson.loads(row.details)
    assert details["sources"] == ["package-lock.json", "sub/requirements.txt"]
    assert details["versions"] == ["3.2.1", "4.17.20"]


def test_findings_from_unreadable_files_are_not_fixed(db_engine: Engine) -> None:
    """A lockfile that could not be read says nothing about its packages."""
    org = organization(db_engine)
    lodash, django = sca("lodash"), sca("Django", "PYSEC-1", source="requirements.txt")
    ingest_sca(db_engine, org, [lodash, django], T0)
    with write_session(db_engine) as session:
        summary = record_sca_scan(
            session,
            organization_id=org,
            repository=REPO,
            scan_id=uuid.uuid4(),
            findings=[],
            now=T0 + timedelta(1),
            unreadable_sources=["requirements.txt"],
        )
    assert summary == IngestSummary(fixed=1)
    assert {(r.package, r.status) for r in rows(db_engine, org)} == {
        ("lodash", "fixed"),
        ("Django", "open"),
    }


def test_scans_of_other_repositories_and_orgs_fix_nothing_here(db_engine: Engine) -> None:
    acme, globex = organization(db_engine, "acme"), organization(db_engine, "globex")
    ingest_sca(db_engine, acme, [sca("lodash")], T0)
    ingest_sca(db_engine, globex, [sca("lodash")], T0)
    assert ingest_sca(db_engine, acme, [], T0, repository="acme/other") == IngestSummary()
    # The same repository name scanned for another organisation is another finding.
    assert ingest_sca(db_engine, globex, [], T0 + timedelta(1)) == IngestSummary(fixed=1)
    assert rows(db_engine, acme)[0].status == "open"
    # Repository names compare case-insensitively.
    assert ingest_sca(db_engine, acme, [sca("lodash")], T0, repository="ACME/SHOP").updated == 1


def test_dast_lifecycle_by_target_rule_endpoint_parameter(db_engine: Engine) -> None:
    org = organization(db_engine)
    shop, blog = target(db_engine, org), target(db_engine, org, "https://blog.example.test")
    first = ingest_dast(
        db_engine,
        org,
        shop,
        [
            dast(url=f"{TARGET_URL}/search?q=1", confidence=Confidence.LOW),
            # Another query string and host spelling, same endpoint: merged.
            dast(url="HTTPS://Shop.Example.Test:443/search?q=2&x=1#top", severity=Severity.HIGH),
            dast(url=f"{TARGET_URL}/search?q=1", parameter="page"),
            dast("hsts-missing", TARGET_URL, None, severity=Severity.LOW),
        ],
        T0,
    )
    assert first == IngestSummary(new=3)
    ingest_dast(db_engine, org, blog, [dast(url="https://blog.example.test/search")], T0)
    by_key = {(r.target_id, r.rule_id, r.parameter): r for r in rows(db_engine, org)}
    xss = by_key[(shop, "xss-reflected", "q")]
    assert (xss.method, xss.endpoint, xss.cwe) == ("GET", f"{TARGET_URL}/search", 79)
    assert orjson.loads(xss.details)["confidence"] == "high"
    assert by_key[(shop, "hsts-missing", None)].endpoint == f"{TARGET_URL}/"

    second = ingest_dast(db_engine, org, shop, [dast(url=f"{TARGET_URL}/search")], T0)
    assert second == IngestSummary(updated=1, fixed=2)
    # The other target's finding is untouched.
    assert by_key[(blog, "xss-reflected", "q")].status == "open"
    assert {
        (r.rule_id, r.parameter, r.status) for r in rows(db_engine, org) if r.target_id == shop
    } == {
        ("xss-reflected", "q", "open"),
        ("xss-reflected", "page", "fixed"),
        ("hsts-missing", None, "fixed"),
    }
    # A POST to the same URL is another endpoint.
    assert ingest_dast(db_engine, org, shop, [dast(method="post")], T0).new == 1


def test_overlong_values_are_cut_not_refused(db_engine: Engine) -> None:
    org = organization(db_engine)
    shop = target(db_engine, org)
    long_a, long_b = "a" * 400 + "1", "a" * 400 + "2"
    summary = ingest_dast(
        db_engine, org, shop, [dast(parameter=long_a), dast(parameter=long_b)], T0
    )
    # Cut to the column's length, but still two findings: fingerprints use the full name.
    assert summary == IngestSummary(new=2)
    assert {len(r.parameter or "") for r in rows(db_engine, org)} == {300}


def test_nul_characters_are_stored_not_refused(db_engine: Engine) -> None:
    """Responses and parameter names come from the scanned app: NUL must not lose a scan
    (PostgreSQL refuses it in text)."""
    org = organization(db_engine)
    shop = target(db_engine, org)
    finding = dataclasses.replace(
        dast(parameter="a\x00b", name="Error\x00page"), evidence="\x00", response_excerpt="\x00"
    )
    assert ingest_dast(db_engine, org, shop, [finding], T0) == IngestSummary(new=1)
    [row] = rows(db_engine, org)
    assert (row.parameter, row.title) == ("a\ufffdb", "Error\ufffdpage")
    assert orjson.loads(row.details)["evidence"] == "\x00"


def test_two_thousand_findings_in_bulk(db_engine: Engine) -> None:
    org = organization(db_engine)
    findings = [sca(f"pkg-{i}", f"GHSA-{i}") for i in range(2000)]
    assert ingest_sca(db_engine, org, findings, T0) == IngestSummary(new=2000)
    again = findings[500:] + [sca(f"new-{i}", "GHSA-x") for i in range(100)]
    assert ingest_sca(db_engine, org, again, T0 + timedelta(1)) == IngestSummary(
        new=100, updated=1500, fixed=500
    )


def test_concurrent_scans_of_one_repository(db_engine: Engine) -> None:
    """Two scans of one repository finishing at once: both commit, nothing is duplicated,
    and the result is one of the two serial orders."""
    org = organization(db_engine)
    shared = [sca(f"pkg-{i}", "GHSA-1") for i in range(300)]
    only_a = [sca(f"a-{i}", "GHSA-1") for i in range(50)]
    only_b = [sca(f"b-{i}", "GHSA-1") for i in range(50)]
    start = threading.Barrier(2)
    summaries: dict[str, IngestSummary] = {}
    errors: list[BaseException] = []

    def run(name: str, findings: list[Finding]) -> None:
        try:
            start.wait()
            summaries[name] = ingest_sca(db_engine, org, findings, T0)
        except BaseException as exc:  # reported below, a thread cannot raise to pytest
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=("a", shared + only_a)),
        threading.Thread(target=run, args=("b", shared + only_b)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    found = rows(db_engine, org)
    assert len(found) == len({r.fingerprint for r in found}) == 400
    first, second = sorted(summaries.values(), key=lambda s: s.new, reverse=True)
    assert first == IngestSummary(new=350)
    assert second == IngestSummary(new=50, updated=300, fixed=50)
    assert sum(r.status == "fixed" for r in found) == 50


def test_reopening_follows_what_the_scans_saw_while_ignored(db_engine: Engine) -> None:
    """A finding fixed, then ignored, then reported again is open once un-ignored; one
    still absent goes back to fixed."""
    org = organization(db_engine)
    ingest_sca(db_engine, org, [sca("lodash"), sca("minimist", "GHSA-2")], T0)
    ingest_sca(db_engine, org, [], T0 + timedelta(1))  # both fixed
    with write_session(db_engine) as session:
        person = create_account(session, "triager", T0).id
        for row in rows(db_engine, org):
            repository.ignore_finding(
                session, org, row.id, reason="vendored", account_id=person, now=T0
            )
    ingest_sca(db_engine, org, [sca("lodash")], T0 + timedelta(2))
    with write_session(db_engine) as session:
        outcome = {
            row.package: repository.reopen_finding(session, org, row.id).finding.status
            for row in rows(db_engine, org)
        }
    assert outcome == {"lodash": "open", "minimist": "fixed"}

"""Keyset pagination over 250 findings, for every sort order, on both databases: the
walk returns every finding once, in the documented order, even with rows inserted
between pages."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bastion.db.models.findings import SecurityFinding
from bastion.db.session import read_session
from bastion.findings import repository
from bastion.findings.query import Cursor, FindingFilter, SortKey, decode_cursor, encode_cursor
from bastion.models import Severity
from tests.findings.factories import T0, insert, organization, stored

COUNT = 250
SEVERITIES = list(Severity)


def _population(org: uuid.UUID, count: int, start: int = 0) -> list[SecurityFinding]:
    """Many ties on purpose: 5 severities, 9 first-seen and 7 last-seen times."""
    return [
        stored(
            org,
            severity=SEVERITIES[i % 5],
            first_seen=T0 + timedelta(hours=i % 9),
            last_seen=T0 + timedelta(days=1, hours=i % 7),
            package=f"pkg-{i}",
        )
        for i in range(start, start + count)
    ]


def _expected(findings: list[SecurityFinding], sort: SortKey) -> list[uuid.UUID]:
    def key(f: SecurityFinding) -> tuple[object, bytes]:
        if sort.by_severity:
            value: object = f.severity_rank
        elif sort in (SortKey.LAST_SEEN, SortKey.LAST_SEEN_DESC):
            value = f.last_seen_at
        else:
            value = f.first_seen_at
        # Both databases order UUIDs as their bytes (PostgreSQL's uuid, SQLite's hex text).
        return value, f.id.bytes

    return [f.id for f in sorted(findings, key=key, reverse=sort.descending)]


def _walk(
    engine: Engine,
    org: uuid.UUID,
    sort: SortKey,
    limit: int,
    between_pages: list[list[SecurityFinding]] | None = None,
) -> list[uuid.UUID]:
    seen: list[uuid.UUID] = []
    after: Cursor | None = None
    for page_number in itertools.count():
        with read_session(engine) as session:
            page = repository.list_findings(
                session, org, FindingFilter(), sort=sort, limit=limit, after=after
            )
        assert len(page.findings) <= limit
        seen.extend(view.finding.id for view in page.findings)
        if page.next_cursor is None:
            return seen
        assert len(page.findings) == limit
        # Through the wire format, as a client would send it back.
        after = decode_cursor(encode_cursor(page.next_cursor), sort)
        if between_pages and page_number < len(between_pages):
            insert(engine, between_pages[page_number])
    raise AssertionError("unreachable")


@pytest.mark.parametrize("sort", list(SortKey))
def test_walk_returns_every_finding_once_in_order(db_engine: Engine, sort: SortKey) -> None:
    org = organization(db_engine)
    findings = insert(db_engine, _population(org, COUNT))
    insert(db_engine, _population(organization(db_engine, "globex"), 20))  # not ours
    assert _walk(db_engine, org, sort, limit=33) == _expected(findings, sort)


@pytest.mark.parametrize(
    "sort", [SortKey.SEVERITY_DESC, SortKey.LAST_SEEN, SortKey.FIRST_SEEN_DESC]
)
def test_rows_inserted_between_pages_shift_nothing(db_engine: Engine, sort: SortKey) -> None:
    org = organization(db_engine)
    findings = insert(db_engine, _population(org, COUNT))
    later = [_population(org, 10, start=COUNT + 10 * n) for n in range(5)]
    seen = _walk(db_engine, org, sort, limit=50, between_pages=later)
    assert len(seen) == len(set(seen)), "a finding was shown twice"
    # Every finding present before the walk is shown, in order; newcomers appear only
    # where they sort after the page they arrived behind.
    original = {f.id for f in findings}
    assert [i for i in seen if i in original] == _expected(findings, sort)


def test_empty_and_exact_pages(db_engine: Engine) -> None:
    org = organization(db_engine)
    assert _walk(db_engine, org, SortKey.SEVERITY_DESC, limit=10) == []
    insert(db_engine, _population(org, 20))
    with read_session(db_engine) as session:
        first = repository.list_findings(
            session, org, FindingFilter(), sort=SortKey.LAST_SEEN, limit=20
        )
    assert len(first.findings) == 20
    assert first.next_cursor is None, "no cursor to an empty page"

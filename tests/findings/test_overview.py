"""The overview against numbers worked out by hand, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from bastion.db.models.findings import FindingStatus, ScanType
from bastion.db.session import read_session
from bastion.findings.overview import Overview, overview
from bastion.models import Severity
from tests.findings.factories import insert, organization, stored

SCA, DAST = ScanType.SCA, ScanType.DAST
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def _overview(engine: Engine, days: int) -> Overview:
    org = organization(engine)
    other = organization(engine, "globex")
    fixed, ignored = FindingStatus.FIXED, FindingStatus.IGNORED
    insert(
        engine,
        [
            # a: open since before the window.
            stored(org, first_seen=at(1)),
            # b: fixed inside the window.
            stored(org, first_seen=at(2), status=fixed, fixed_at=at(7, 10)),
            # c: first seen in the last second of the window's first day.
            stored(org, first_seen=at(6, 23, 59, 59), severity=Severity.LOW),
            # d: new and fixed on one day, never open at a day's end.
            stored(org, first_seen=at(7, 0), status=fixed, fixed_at=at(7, 0, 30)),
            # e: ignored inside the window: closed from ignored_at.
            stored(org, scan_type=DAST, first_seen=at(5), status=ignored, ignored_at=at(8)),
            # f: fixed before the window, ignored inside it: closed from fixed_at.
            stored(
                org,
                scan_type=DAST,
                first_seen=at(3),
                status=ignored,
                fixed_at=at(4),
                ignored_at=at(9),
            ),
            # g: a DAST finding first seen on day 9.
            stored(org, scan_type=DAST, first_seen=at(9, 8)),
            # h: first seen today.
            stored(org, first_seen=at(10, 14), severity=Severity.CRITICAL),
            # Another organisation's finding counts nowhere.
            stored(other, first_seen=at(6), severity=Severity.CRITICAL),
        ],
    )
    with read_session(engine) as session:
        return overview(session, org, days=days, now=NOW)


def test_counts_and_trend(db_engine: Engine) -> None:
    result = _overview(db_engine, days=5)
    assert result.open_by_severity[SCA] == {
        Severity.CRITICAL: 1,
        Severity.HIGH: 1,
        Severity.MEDIUM: 0,
        Severity.LOW: 1,
        Severity.UNKNOWN: 0,
    }
    assert result.open_by_severity[DAST] == {
        Severity.CRITICAL: 0,
        Severity.HIGH: 1,
        Severity.MEDIUM: 0,
        Severity.LOW: 0,
        Severity.UNKNOWN: 0,
    }
    assert result.statuses == {
        FindingStatus.OPEN: 4,
        FindingStatus.FIXED: 2,
        FindingStatus.IGNORED: 2,
    }
    trend = {(d.day.day): d for d in result.trend}
    assert [d.day for d in result.trend] == [date(2026, 3, n) for n in range(6, 11)]
    assert {n: (d.open[SCA], d.open[DAST]) for n, d in trend.items()} == {
        6: (3, 1),
        7: (2, 1),
        8: (2, 0),
        9: (2, 1),
        10: (3, 1),
    }
    assert {n: (d.new[SCA], d.new[DAST]) for n, d in trend.items()} == {
        6: (1, 0),
        7: (1, 0),
        8: (0, 0),
        9: (0, 1),
        10: (1, 0),
    }
    assert {n: (d.fixed[SCA], d.fixed[DAST]) for n, d in trend.items()} == {
        6: (0, 0),
        7: (2, 0),
        8: (0, 0),
        9: (0, 0),
        10: (0, 0),
    }
    assert {n: (d.ignored[SCA], d.ignored[DAST]) for n, d in trend.items()} == {
        6: (0, 0),
        7: (0, 0),
        8: (0, 1),
        9: (0, 1),
        10: (0, 0),
    }


def test_a_one_day_trend_is_today(db_engine: Engine) -> None:
    [today] = _overview(db_engine, days=1).trend
    assert today.day == date(2026, 3, 10)
    assert (today.open[SCA], today.open[DAST], today.new[SCA]) == (3, 1, 1)


def test_an_empty_organisation(db_engine: Engine) -> None:
    org = organization(db_engine)
    with read_session(db_engine) as session:
        result = overview(session, org, days=30, now=NOW)
    assert len(result.trend) == 30
    assert all(sum(d.open.values()) == 0 for d in result.trend)
    assert sum(result.statuses.values()) == 0

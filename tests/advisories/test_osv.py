from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.advisories.osv import InvalidRecord, normalize_timestamp, parse_record
from bastion.advisories.severity import score_record
from bastion.models import Severity

TESTDATA = Path(__file__).parent / "testdata"


def test_valid_record_is_indexed_per_affected_package() -> None:
    record = parse_record((TESTDATA / "valid-record.json").read_bytes())
    assert record.id == "TEST-2026-0001"
    assert record.modified == "2026-01-02T03:04:05.100000Z"
    assert record.aliases == ("CVE-2026-0001",)
    assert record.severity is Severity.CRITICAL
    assert record.cvss_score == 9.8
    # PEP 503 name, base ecosystem for "Debian:12", GIT-only entry not indexed.
    assert [(a.ecosystem, a.name) for a in record.affected] == [
        ("PyPI", "example-package"),
        ("Debian", "example"),
    ]
    assert json.loads(record.affected[1].data)["package"]["ecosystem"] == "Debian:12"


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("affected-not-a-list.json", "'affected' must be a list"),
        ("no-modified.json", "'modified' must be a non-empty string"),
        ("truncated.json", "not JSON"),
    ],
)
def test_invalid_records_say_why(fixture: str, reason: str) -> None:
    with pytest.raises(InvalidRecord, match=reason):
        parse_record((TESTDATA / fixture).read_bytes())


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("2023-09-08T20:23:17.2883Z", "2023-09-08T20:23:17.288300Z"),
        ("2023-09-08T20:23:17Z", "2023-09-08T20:23:17.000000Z"),
        ("2023-09-08T20:23:17.123456789Z", "2023-09-08T20:23:17.123456Z"),
        ("2023-09-08T22:23:17+02:00", "2023-09-08T20:23:17.000000Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"),
    ],
)
def test_timestamps_normalise_to_sortable_utc(raw: str, normalised: str) -> None:
    assert normalize_timestamp(raw) == normalised


def test_normalised_timestamps_sort_by_time_unlike_raw_strings() -> None:
    earlier, later = "2023-09-08T20:23:17Z", "2023-09-08T20:23:17.2883Z"
    assert later < earlier  # the trap: raw RFC 3339 strings do not sort
    assert normalize_timestamp(earlier) < normalize_timestamp(later)


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {
                "severity": [
                    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N"}
                ]
            },
            (3.7, Severity.LOW),
        ),
        (
            {"severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}]},
            (7.5, Severity.HIGH),
        ),
        (
            {
                "severity": [
                    {
                        "type": "CVSS_V4",
                        "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                    }
                ]
            },
            (9.3, Severity.CRITICAL),
        ),
        # Newest CVSS version wins when several are given.
        (
            {
                "severity": [
                    {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
                    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N"},
                ]
            },
            (3.7, Severity.LOW),
        ),
        ({"database_specific": {"severity": "MODERATE"}}, (None, Severity.MEDIUM)),
        (
            {
                "severity": [{"type": "CVSS_V3", "score": "garbage"}],
                "database_specific": {"severity": "HIGH"},
            },
            (None, Severity.HIGH),
        ),
        ({"severity": []}, (None, Severity.UNKNOWN)),
    ],
)
def test_severity(record: dict[str, object], expected: tuple[float | None, Severity]) -> None:
    score, _vector, severity = score_record(record)
    assert (score, severity) == expected


@given(st.binary(max_size=300))
def test_parse_record_only_raises_invalid_record_on_bytes(data: bytes) -> None:
    with contextlib.suppress(InvalidRecord):
        parse_record(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(
    st.fixed_dictionaries(
        {
            "id": st.text(min_size=1, max_size=10),
            "modified": st.sampled_from(["2020-01-01T00:00:00Z", "x"]),
        },
        optional={
            "affected": json_values,
            "aliases": json_values,
            "severity": json_values,
            "summary": json_values,
        },
    )
)
def test_parse_record_only_raises_invalid_record_on_shapes(record: dict[str, object]) -> None:
    with contextlib.suppress(InvalidRecord):
        parse_record(json.dumps(record))

"""The findings query parameters and the page cursor: every input is either parsed or
refused with InvalidFindingsRequest (a 400), never anything else."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.db.models.findings import FindingStatus, ScanType
from bastion.findings.errors import InvalidFindingsRequest
from bastion.findings.query import (
    DEFAULT_SORT,
    Cursor,
    SortKey,
    decode_cursor,
    encode_cursor,
    parse_choices,
    parse_repository,
    parse_sort,
    parse_text,
)
from bastion.models import Severity

aware_times = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
cursors = st.builds(
    lambda sort, rank, when, row_id: Cursor(sort, rank if sort.by_severity else when, row_id),
    st.sampled_from(list(SortKey)),
    st.integers(0, 4),
    aware_times,
    st.uuids(),
)


@given(cursors)
def test_cursor_round_trip(cursor: Cursor) -> None:
    encoded = encode_cursor(cursor)
    assert encoded.isascii()
    assert "=" not in encoded  # no padding to escape in a URL
    assert decode_cursor(encoded, cursor.sort) == cursor


@given(st.text(max_size=600), st.sampled_from(list(SortKey)))
def test_garbage_cursor_is_refused_cleanly(value: str, sort: SortKey) -> None:
    try:
        decode_cursor(value, sort)
    except InvalidFindingsRequest as exc:
        message = exc.message
    else:
        return
    assert message.startswith("Invalid cursor")


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(allow_nan=False),
            st.text(max_size=40),
            st.lists(st.integers(), max_size=2),
        ),
        max_size=5,
    ),
    st.sampled_from(list(SortKey)),
)
def test_well_formed_json_of_the_wrong_shape_is_refused(items: list[object], sort: SortKey) -> None:
    """Valid base64 and valid JSON, but not a cursor: the parser must not trust it."""
    # The standard library's encoder: orjson refuses integers beyond 64 bits.
    encoded = base64.urlsafe_b64encode(json.dumps(items).encode()).decode()
    with pytest.raises(InvalidFindingsRequest):
        decode_cursor(encoded, sort)


@pytest.mark.parametrize(
    "payload",
    [
        [1, "-severity", True, str(uuid.uuid4())],  # a bool is not a rank
        [1, "-severity", 101, str(uuid.uuid4())],
        [1, "-lastSeen", "2026-03-01T12:00:00", str(uuid.uuid4())],  # naive time
        [1, "-lastSeen", "0001-01-01T00:00:00+01:00", str(uuid.uuid4())],  # overflows
        [1, "-lastSeen", "2026-03-01T12:00:00+00:00", "not-a-uuid"],
        [2, "-severity", 3, str(uuid.uuid4())],  # a future cursor version
        {"v": 1, "sort": "-severity", "key": 3, "id": str(uuid.uuid4())},
    ],
)
def test_tampered_cursors_are_refused(payload: object) -> None:
    encoded = base64.urlsafe_b64encode(orjson.dumps(payload)).decode()
    sort = SortKey.SEVERITY_DESC if "-severity" in str(payload) else SortKey.LAST_SEEN_DESC
    with pytest.raises(InvalidFindingsRequest):
        decode_cursor(encoded, sort)


def test_a_cursor_belongs_to_its_sort_order() -> None:
    cursor = encode_cursor(Cursor(SortKey.SEVERITY_DESC, 3, uuid.uuid4()))
    with pytest.raises(InvalidFindingsRequest, match="another sort order"):
        decode_cursor(cursor, SortKey.SEVERITY)


def test_cursor_times_come_back_in_utc() -> None:
    when = datetime(2026, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    row_id = uuid.uuid4()
    decoded = decode_cursor(
        encode_cursor(Cursor(SortKey.FIRST_SEEN, when, row_id)), SortKey.FIRST_SEEN
    )
    assert decoded.key == when
    assert isinstance(decoded.key, datetime)
    assert decoded.key.tzinfo == UTC


@given(st.lists(st.sampled_from(list(ScanType)), min_size=1), st.booleans())
def test_choices_in_any_case_and_layout(chosen: list[ScanType], upper_first: bool) -> None:
    spelled = [
        "".join(
            c.upper() if (i % 2 == 0) == upper_first else c.lower() for i, c in enumerate(t.value)
        )
        for t in chosen
    ]
    as_one = [" , ".join(spelled) + ","]
    assert parse_choices(as_one, ScanType, "scanType") == frozenset(chosen)
    assert parse_choices(spelled, ScanType, "scanType") == frozenset(chosen)


@given(st.lists(st.text(max_size=20), max_size=4))
def test_choices_parse_or_refuse(values: list[str]) -> None:
    try:
        parsed = parse_choices(values, Severity, "severity")
    except InvalidFindingsRequest as exc:
        message = exc.message
    else:
        assert parsed <= set(Severity)
        return
    assert message.startswith("Invalid value for severity")


def test_no_choices_is_everything() -> None:
    assert parse_choices(None, FindingStatus, "status") == frozenset()
    assert parse_choices(["", " , "], FindingStatus, "status") == frozenset()
    with pytest.raises(InvalidFindingsRequest, match="use open, fixed, ignored"):
        parse_choices(["open,closed"], FindingStatus, "status")


@given(st.text(max_size=30))
def test_sort_parses_or_refuses(value: str) -> None:
    try:
        parsed = parse_sort(value)
    except InvalidFindingsRequest as exc:
        message = exc.message
    else:
        assert parsed.value.lower() == value.strip().lower() or (
            not value.strip() and parsed is DEFAULT_SORT
        )
        return
    assert message.startswith("Invalid value for sort")


def test_sort_names() -> None:
    assert parse_sort(None) is SortKey.SEVERITY_DESC
    assert parse_sort("lastseen") is SortKey.LAST_SEEN
    assert parse_sort("-firstSeen") is SortKey.FIRST_SEEN_DESC
    assert parse_sort("severity").descending is False


@given(st.text(max_size=250))
def test_repository_and_text_parse_or_refuse(value: str) -> None:
    for parse in (parse_repository, parse_text):
        try:
            parsed = parse(value)
        except InvalidFindingsRequest:
            continue
        assert parsed is None or parsed == parsed.strip()


def test_repository_values() -> None:
    assert parse_repository(" Acme/Shop ") == "acme/shop"
    assert parse_repository("") is None
    for bad in ("acme", "/shop", "acme/", "a/b/c"):
        with pytest.raises(InvalidFindingsRequest):
            parse_repository(bad)

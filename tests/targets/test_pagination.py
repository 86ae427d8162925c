"""Page cursors: what ``encode`` makes, ``decode`` reads back; anything else is a 400."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.targets.errors import InvalidTargetRequest
from bastion.targets.pagination import Cursor


@given(
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))])),
    st.uuids(),
)
def test_cursors_round_trip(created_at: datetime, row_id: uuid.UUID) -> None:
    decoded = Cursor.decode(Cursor(created_at, row_id).encode())
    assert decoded == Cursor(created_at.astimezone(UTC), row_id)
    assert decoded.created_at.tzinfo is UTC


@pytest.mark.parametrize(
    "token",
    [
        "",
        "!!!",
        "bm90IGEgY3Vyc29y",  # "not a cursor"
        "MjAyNC0wMS0wMVQwMDowMDowMHxub3QtYS11dWlk",  # a time and no uuid
        "MjAyNC0wMS0wMVQwMDowMDowMHwxMjM0NTY3OC0xMjM0LTEyMzQtMTIzNC0xMjM0NTY3ODEyMzQ",  # naive
        "_w",  # not UTF-8
    ],
)
def test_foreign_tokens_are_invalid_requests(token: str) -> None:
    with pytest.raises(InvalidTargetRequest, match="Invalid cursor"):
        Cursor.decode(token)


@given(st.text(max_size=60))
def test_any_token_decodes_or_is_an_invalid_request(token: str) -> None:
    try:
        Cursor.decode(token)
    except InvalidTargetRequest as exc:
        assert exc.code == "invalid_request"  # noqa: PT017 - any text, two outcomes

"""POST /api/scan bodies: what is accepted, and SPEC's 400 messages for what is not."""

from __future__ import annotations

import contextlib

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.scans.errors import InvalidRequest
from bastion.scans.schemas import ErrorResponse, ScanRequest
from tests.scans.support import SHA

VALID = b'{"installation_id": 42, "owner": "acme", "repo": "shop.api", "ref": "main"}'


def test_valid_body() -> None:
    request = ScanRequest.parse(VALID)
    assert (request.installation_id, request.owner, request.repo, request.ref) == (
        42,
        "acme",
        "shop.api",
        "main",
    )
    assert request.sha is None
    with_sha = ScanRequest.parse(VALID.replace(b"}", f', "sha": "{SHA}"}}'.encode()))
    assert with_sha.sha == SHA


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"installation_id": 42, "repo": "shop", "ref": "main"}',
            "Missing required field: owner",
        ),
        (
            b'{"owner": "a", "repo": "shop", "ref": "main"}',
            "Missing required field: installation_id",
        ),
        (
            b'{"installation_id": "42", "owner": "a", "repo": "b", "ref": "main"}',
            "Invalid type for field installation_id: expected an integer",
        ),
        (
            b'{"installation_id": true, "owner": "a", "repo": "b", "ref": "main"}',
            "Invalid type for field installation_id: expected an integer",
        ),
        (
            b'{"installation_id": 42, "owner": 7, "repo": "b", "ref": "main"}',
            "Invalid type for field owner: expected a string",
        ),
        (b"{not json", "Request body is not valid JSON"),
        (b"[1, 2]", "Request body must be a JSON object"),
    ],
)
def test_invalid_bodies(body: bytes, message: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        ScanRequest.parse(body)
    assert raised.value.message == message
    assert raised.value.status_code == 400
    assert ErrorResponse.from_exception(raised.value).model_dump() == {
        "status": "error",
        "error": {"code": "invalid_request", "message": message},
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("owner", "-acme"),
        ("owner", "a/b"),
        ("repo", ".."),
        ("repo", "a b"),
        ("ref", ""),
        ("sha", "abc"),
        ("installation_id", 0),
    ],
)
def test_values_github_could_never_have(field: str, value: object) -> None:
    data = {"installation_id": 42, "owner": "acme", "repo": "shop", "ref": "main", field: value}
    with pytest.raises(InvalidRequest, match=f"Invalid value for field {field}"):
        ScanRequest.parse(orjson.dumps(data))


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_raise_invalid_request(body: bytes) -> None:
    """Whatever the body, the route gets a request or a 400, never another exception."""
    with contextlib.suppress(InvalidRequest):
        ScanRequest.parse(body)

"""Who may call /v1: everyone on loopback; a token holder, within a per-minute budget, once
the server is exposed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.accounts.service import create_account, issue_token, revoke_token_by_prefix
from bastion.accounts.tokens import parse_prefix
from bastion.clock import utcnow
from bastion.db.session import write_session
from bastion.server.settings import ServerSettings, is_loopback
from tests.osvapi.conftest import MakeClient
from tests.osvapi.support import assert_osv_error, pkg

QUERY = pkg("foo-bar", version="1.0")


def new_token(engine: Engine, account: str) -> str:
    with write_session(engine) as session:
        owner = create_account(session, account, utcnow())
        return issue_token(session, owner.id, "osv", utcnow()).token


@pytest.fixture
def exposed(make_client: MakeClient) -> TestClient:
    return make_client(host="0.0.0.0")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.168.1.20", False),
        ("bastion.internal", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_token_rule_follows_the_bind_address_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not ServerSettings().osv_api_token_required
    monkeypatch.setenv("BASTION_HOST", "0.0.0.0")
    assert ServerSettings().osv_api_token_required
    monkeypatch.setenv("BASTION_OSV_API_REQUIRE_TOKEN", "false")
    assert not ServerSettings().osv_api_token_required
    monkeypatch.setenv("BASTION_HOST", "127.0.0.1")
    monkeypatch.setenv("BASTION_OSV_API_REQUIRE_TOKEN", "true")
    assert ServerSettings().osv_api_token_required
    monkeypatch.delenv("BASTION_OSV_API_REQUIRE_TOKEN")
    # Only callers told apart by their token are limited.
    assert ServerSettings(host="0.0.0.0").osv_api_limit() is not None
    assert ServerSettings(host="0.0.0.0", osv_api_rate_limit=0).osv_api_limit() is None
    assert ServerSettings(host="127.0.0.1").osv_api_limit() is None


def test_loopback_is_open(client: TestClient) -> None:
    assert client.post("/v1/query", json=QUERY).status_code == 200
    assert client.get("/v1/vulns/PYSEC-TEST-1").status_code == 200


def test_a_wrong_token_is_refused_even_where_none_is_needed(client: TestClient) -> None:
    response = client.post("/v1/query", json=QUERY, headers={"api-token": "bst_wrong_token"})
    assert_osv_error(response, 401, 16, "Invalid, expired or revoked API token")


def test_exposed_without_a_token_is_401(exposed: TestClient) -> None:
    for response in (
        exposed.post("/v1/query", json=QUERY),
        exposed.post("/v1/querybatch", json={"queries": [QUERY]}),
        exposed.get("/v1/vulns/PYSEC-TEST-1"),
    ):
        assert_osv_error(response, 401, 16)
        assert response.headers["www-authenticate"] == 'Bearer realm="bastion"'


def test_exposed_accepts_every_way_of_presenting_a_token(
    exposed: TestClient, mirror: Engine
) -> None:
    token = new_token(mirror, "osv-ways")
    assert exposed.post("/v1/query", json=QUERY, headers={"api-token": token}).status_code == 200
    bearer = {"authorization": f"Bearer {token}"}
    assert exposed.get("/v1/vulns/PYSEC-TEST-1", headers=bearer).status_code == 200
    # pip-audit cannot send headers: the token may ride in its --osv-url.
    in_url = exposed.post(f"/v1/query?api-token={token}", json=QUERY)
    assert in_url.status_code == 200
    assert [v["id"] for v in in_url.json()["vulns"]] == ["PYSEC-TEST-1"]


def test_exposed_refuses_a_revoked_token(exposed: TestClient, mirror: Engine) -> None:
    token = new_token(mirror, "osv-revoked")
    prefix = parse_prefix(token)
    assert prefix is not None
    with write_session(mirror) as session:
        assert revoke_token_by_prefix(session, prefix, utcnow())
    response = exposed.post("/v1/query", json=QUERY, headers={"api-token": token})
    assert_osv_error(response, 401, 16, "Invalid, expired or revoked API token")


def test_the_token_can_be_required_on_loopback_too(make_client: MakeClient) -> None:
    behind_proxy = make_client(host="127.0.0.1", osv_api_require_token=True)
    assert_osv_error(behind_proxy.post("/v1/query", json=QUERY), 401, 16)
    trusted = make_client(host="0.0.0.0", osv_api_require_token=False)
    assert trusted.post("/v1/query", json=QUERY).status_code == 200


def test_each_token_has_its_own_rate_limit(make_client: MakeClient, mirror: Engine) -> None:
    limited = make_client(host="0.0.0.0", osv_api_rate_limit=3)
    first, second = new_token(mirror, "osv-limit-1"), new_token(mirror, "osv-limit-2")
    for _ in range(3):
        assert (
            limited.post("/v1/query", json=QUERY, headers={"api-token": first}).status_code == 200
        )
    refused = limited.get("/v1/vulns/PYSEC-TEST-1", headers={"api-token": first})
    assert_osv_error(refused, 429, 8)
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert limited.post("/v1/query", json=QUERY, headers={"api-token": second}).status_code == 200


def test_the_scan_api_keeps_its_own_rules_and_envelope(exposed: TestClient) -> None:
    response = exposed.get("/api/scan/anything")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"

"""``/api/v3/organizations…``: the caller's organisations, one of them, and its members."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.accounts.service import revoke_token_by_prefix
from bastion.db.session import write_session
from bastion.orgs import users
from tests.orgs.conftest import World
from tests.orgs.support import org_api_client
from tests.support.clock import FakeClock

BASE = "/api/v3/organizations"
CREATED = "2026-03-01T12:00:00Z"


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_the_callers_organizations_with_their_roles(api: TestClient, world: World) -> None:
    response = api.get(BASE, headers=world.headers("carol"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "organizations": [
            {
                "provider": "gh",
                "name": "Acme",
                "role": "member",
                "createdAt": CREATED,
                "githubInstallationId": None,
            },
            {
                "provider": "gl",
                "name": "globex",
                "role": "manager",
                "createdAt": CREATED,
                "githubInstallationId": None,
            },
        ]
    }
    alone = api.get(BASE, headers=world.headers("dave"))
    assert alone.json() == {"organizations": []}


@pytest.mark.parametrize(
    "headers",
    [{}, {"api-token": "bst_abcdefgh_" + "x" * 43}, {"api-token": "not a token"}],
    ids=["none", "unknown", "malformed"],
)
def test_every_route_needs_a_valid_token(
    api: TestClient, world: World, headers: dict[str, str]
) -> None:
    for path in (BASE, f"{BASE}/gh/acme", f"{BASE}/gh/acme/members"):
        _error(api.get(path, headers=headers), 401, "unauthorized")


def test_memberships_stay_private_where_anonymous_calls_are_allowed(
    db_engine: Engine, world: World, github_app_key: rsa.RSAPrivateKey
) -> None:
    with org_api_client(db_engine, github_app_key, allow_anonymous_api=True) as client:
        _error(client.get(BASE), 401, "unauthorized")
        _error(client.get(f"{BASE}/gh/acme"), 401, "unauthorized")
        assert client.get(BASE, headers=world.headers("alice")).status_code == 200


def test_one_organization_and_the_callers_role(api: TestClient, world: World) -> None:
    for who, role in (
        ("alice", "admin"),
        ("bob", "manager"),
        ("carol", "member"),
        ("ci", "member"),
    ):
        # Names are matched whatever their case, and answered as stored.
        response = api.get(f"{BASE}/gh/ACME", headers=world.headers(who))
        assert response.status_code == 200, response.text
        assert response.json() == {
            "provider": "gh",
            "name": "Acme",
            "role": role,
            "createdAt": CREATED,
            "githubInstallationId": None,
        }


@pytest.mark.parametrize("path", ["gh/acme", "gh/nope", "gl/acme", "xx/acme"])
def test_strangers_cannot_tell_a_hidden_organization_from_a_missing_one(
    api: TestClient, world: World, path: str
) -> None:
    _error(api.get(f"{BASE}/{path}", headers=world.headers("dave")), 404, "organization_not_found")
    _error(
        api.get(f"{BASE}/{path}/members", headers=world.headers("dave")),
        404,
        "organization_not_found",
    )


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_admins_and_managers_list_the_members(api: TestClient, world: World, who: str) -> None:
    response = api.get(f"{BASE}/gh/acme/members", headers=world.headers(who))
    assert response.status_code == 200, response.text
    members = response.json()["members"]
    assert [(m["name"], m["email"], m["role"]) for m in members] == [
        ("alice@example.com", "alice@example.com", "admin"),
        ("bob@example.com", "bob@example.com", "manager"),
        ("carol@example.com", "carol@example.com", "member"),
        ("ci", None, "member"),
    ]
    assert all(m["addedAt"] == CREATED and m["disabled"] is False for m in members)


def test_members_may_not_list_the_members(api: TestClient, world: World) -> None:
    _error(api.get(f"{BASE}/gh/acme/members", headers=world.headers("carol")), 403, "forbidden")
    # Carol manages globex.
    response = api.get(f"{BASE}/gl/globex/members", headers=world.headers("carol"))
    assert [m["name"] for m in response.json()["members"]] == ["carol@example.com"]


def test_disabled_users_and_revoked_tokens_are_refused(
    api: TestClient, world: World, db_engine: Engine, clock: FakeClock
) -> None:
    with write_session(db_engine) as session:
        users.set_disabled(session, "carol@example.com", clock())
        assert revoke_token_by_prefix(session, world.tokens["bob"], clock())
    _error(api.get(BASE, headers=world.headers("carol")), 401, "unauthorized")
    _error(api.get(f"{BASE}/gh/acme", headers=world.headers("bob")), 401, "unauthorized")
    # Alice, the admin, sees Carol marked disabled.
    members = api.get(f"{BASE}/gh/acme/members", headers=world.headers("alice")).json()
    assert {m["name"]: m["disabled"] for m in members["members"]}["carol@example.com"] is True


def test_openapi_describes_the_routes_and_their_errors(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    expected = {
        BASE: {"401"},
        f"{BASE}/{{provider}}/{{organization}}": {"401", "404"},
        f"{BASE}/{{provider}}/{{organization}}/members": {"401", "403", "404"},
    }
    for path, errors in expected.items():
        responses = spec["paths"][path]["get"]["responses"]
        assert errors <= set(responses), path
        for status in errors:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}
    schemas = spec["components"]["schemas"]
    assert set(schemas["OrganizationOut"]["properties"]) == {
        "provider",
        "name",
        "role",
        "createdAt",
        "githubInstallationId",
    }
    assert set(schemas["MemberOut"]["properties"]) == {
        "name",
        "email",
        "role",
        "addedAt",
        "disabled",
    }

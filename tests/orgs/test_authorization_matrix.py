"""Every ``/api/v3`` route, for every role, in (own organisation, another organisation, no
token, revoked token).

401 without a valid token; 404, never 403, for an organisation the caller does not belong
to (a stranger cannot tell a private organisation from a missing one); 403 for a role
that may not act; success otherwise. The route table must name every ``/api/v3`` route
the app has, so a new route cannot ship without its row here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.accounts.service import revoke_token_by_prefix
from bastion.db.models.orgs import Provider, Role
from bastion.db.session import write_session
from bastion.findings.ingest import record_dast_scan
from bastion.orgs import service
from tests.findings.factories import dast
from tests.orgs.conftest import World
from tests.support.clock import FakeClock

ROLES = {"alice": "admin", "bob": "manager", "carol": "member"}
MANAGING = {"admin", "manager"}
BASE = "/api/v3/organizations/{provider}/{organization}"


@dataclass(frozen=True)
class Ids:
    """What the path of a route needs in one organisation."""

    provider: str
    organization: str
    target: str
    scan: str
    finding: str


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as the app declares it
    managing: bool  # only admins and managers may call it
    success: int
    body: Callable[[], dict[str, Any]] | None = None
    # Needs a target of its own for each call (it deletes one).
    fresh_target: bool = False


def _public_url() -> dict[str, Any]:
    # A public address literal: accepted by the target policy without a DNS look-up.
    return {"url": f"http://93.184.216.34/{uuid.uuid4().hex}"}


ROUTES = [
    Route("GET", "/api/v3/organizations", False, 200),
    Route("GET", BASE, False, 200),
    Route("GET", f"{BASE}/members", True, 200),
    Route("POST", f"{BASE}/dast/targets", True, 201, body=_public_url),
    Route("GET", f"{BASE}/dast/targets", False, 200),
    Route("GET", f"{BASE}/dast/targets/{{target_id}}", False, 200),
    Route("DELETE", f"{BASE}/dast/targets/{{target_id}}", True, 204, fresh_target=True),
    Route("POST", f"{BASE}/dast/targets/{{target_id}}/analyze", True, 202),
    Route("GET", f"{BASE}/dast/targets/{{target_id}}/scans", False, 200),
    Route("GET", f"{BASE}/dast/targets/{{target_id}}/scans/{{scan_id}}", False, 200),
    Route("GET", f"{BASE}/security/findings", False, 200),
    Route("GET", f"{BASE}/security/findings/{{finding_id}}", False, 200),
    Route(
        "PATCH",
        f"{BASE}/security/findings/{{finding_id}}",
        True,
        200,
        body=lambda: {"status": "ignored", "reason": "accepted risk"},
    ),
    Route("GET", f"{BASE}/security/overview", False, 200),
]
# Targets are immutable: these answer 405 to everyone, before authentication.
IMMUTABLE = [
    ("PUT", f"{BASE}/dast/targets/{{target_id}}"),
    ("PATCH", f"{BASE}/dast/targets/{{target_id}}"),
]


def _seed(api: TestClient, engine: Engine, world: World, clock: FakeClock) -> dict[str, Ids]:
    """A target, a scan and a finding in gh/Acme (the callers' own organisation) and in
    gh/initech (nobody's)."""
    with write_session(engine) as session:
        initech = service.create_organization(session, Provider.GITHUB, "initech", clock())
        service.add_member(
            session, Provider.GITHUB, "initech", "dave@example.com", role=Role.ADMIN,
            now=clock(),
        )  # fmt: skip
    ids: dict[str, Ids] = {}
    for key, organization, admin in (("own", "acme", "alice"), ("other", "initech", "dave")):
        base = f"/api/v3/organizations/gh/{organization}"
        headers = world.headers(admin)
        target = api.post(f"{base}/dast/targets", json=_public_url(), headers=headers)
        assert target.status_code == 201, target.text
        target_id = target.json()["id"]
        scan = api.post(f"{base}/dast/targets/{target_id}/analyze", headers=headers)
        assert scan.status_code == 202, scan.text
        scan_id = scan.json()["scanId"]
        with write_session(engine) as session:
            org = service.find_organization(session, "gh", organization)
            assert org is not None
            record_dast_scan(
                session,
                organization_id=org.id,
                target_id=uuid.UUID(target_id),
                target_url=target.json()["url"],
                scan_id=uuid.UUID(scan_id),
                findings=[dast()],
                now=clock(),
            )
        findings = api.get(f"{base}/security/findings", headers=headers).json()["findings"]
        ids[key] = Ids("gh", organization, target_id, scan_id, findings[0]["id"])
    assert initech.id
    return ids


def _path(route_path: str, ids: Ids) -> str:
    return route_path.format(
        provider=ids.provider,
        organization=ids.organization,
        target_id=ids.target,
        scan_id=ids.scan,
        finding_id=ids.finding,
    )


def _call(api: TestClient, route: Route, path: str, headers: dict[str, str]) -> int:
    body = route.body() if route.body else None
    status: int = api.request(route.method, path, json=body, headers=headers).status_code
    return status


def test_the_table_covers_every_v3_route(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    declared = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/v3")
        for method in operations
    }
    assert declared == {(r.method, r.path) for r in ROUTES} | set(IMMUTABLE)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_route_for_every_caller(
    route: Route, api: TestClient, db_engine: Engine, world: World, clock: FakeClock
) -> None:
    ids = _seed(api, db_engine, world, clock)
    own_org_route = "{organization}" in route.path
    for who, role in ROLES.items():
        headers = world.headers(who)
        own = ids["own"]
        if route.fresh_target:
            created = api.post(
                _path(f"{BASE}/dast/targets", own),
                json=_public_url(),
                headers=world.headers("alice"),
            )
            own = Ids(own.provider, own.organization, created.json()["id"], own.scan, own.finding)
        allowed = not route.managing or role in MANAGING
        expected = route.success if allowed else 403
        assert _call(api, route, _path(route.path, own), headers) == expected, (who, "own")
        if own_org_route:
            other = _path(route.path, ids["other"])
            assert _call(api, route, other, headers) == 404, (who, "other organisation")
    anywhere = _path(route.path, ids["own"])
    assert _call(api, route, anywhere, {}) == 401, "no token"
    assert _call(api, route, anywhere, {"api-token": "bst_garbage"}) == 401, "bad token"
    with write_session(db_engine) as session:
        assert revoke_token_by_prefix(session, world.tokens["carol"], clock())
    assert _call(api, route, anywhere, world.headers("carol")) == 401, "revoked token"


@pytest.mark.parametrize("immutable", IMMUTABLE)
def test_targets_cannot_be_changed_by_anyone(
    immutable: tuple[str, str], api: TestClient, db_engine: Engine, world: World, clock: FakeClock
) -> None:
    method, path = immutable
    ids = _seed(api, db_engine, world, clock)
    for headers in (world.headers("alice"), world.headers("carol"), {}):
        answer = api.request(method, _path(path, ids["own"]), json=_public_url(), headers=headers)
        assert answer.status_code == 405
        assert answer.json()["error"]["code"] == "method_not_allowed"
        assert "delete" in answer.json()["error"]["message"].lower()

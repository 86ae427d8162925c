"""The /security routes over HTTP, on both databases: who may do what, filters, pages,
triage, and the error envelope for every kind of bad input."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, update

from bastion.db.models.dast import DastTarget
from bastion.db.models.findings import FindingStatus, ScanType
from bastion.db.session import write_session
from bastion.models import Severity
from tests.findings.conftest import BASE, World
from tests.findings.factories import T0, TARGET_URL, insert, stored, target
from tests.support.clock import FakeClock


def _ids(body: dict[str, Any]) -> set[str]:
    return {f["id"] for f in body["findings"]}


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == code
    message: str = body["error"]["message"]
    return message


@pytest.fixture
def mixed(db_engine: Engine, world: World) -> dict[str, str]:
    """Named findings of Acme (and one of globex), covering every filter."""
    shop = target(db_engine, world.acme)
    named = {
        "lodash": stored(world.acme, severity=Severity.CRITICAL),
        "django": stored(
            world.acme,
            severity=Severity.MEDIUM,
            status=FindingStatus.FIXED,
            fixed_at=T0,
            repository="acme/api",
            ecosystem="PyPI",
            package="Django",
            rule_id="PYSEC-2021-98",
            title="SQL injection in QuerySet.order_by",
        ),
        "xss": stored(
            world.acme,
            scan_type=ScanType.DAST,
            severity=Severity.HIGH,
            target_id=shop,
            target_url=TARGET_URL,
            parameter="q",
        ),
        "hsts": stored(
            world.acme,
            scan_type=ScanType.DAST,
            severity=Severity.LOW,
            status=FindingStatus.IGNORED,
            ignored_at=T0,
            ignored_reason="behind a TLS proxy",
            target_id=shop,
            target_url=TARGET_URL,
            rule_id="hsts-missing",
            title="Strict-Transport-Security header missing",
            endpoint=f"{TARGET_URL}/100%_done",
        ),
        "theirs": stored(world.globex, severity=Severity.CRITICAL),
    }
    insert(db_engine, list(named.values()))
    return {name: str(f.id) for name, f in named.items()}


def test_access_is_for_members_only(api: TestClient, world: World, mixed: dict[str, str]) -> None:
    _error(api.get(f"{BASE}/findings"), 401, "unauthorized")
    _error(api.get(f"{BASE}/findings", headers={"api-token": "bst_nope"}), 401, "unauthorized")
    for who in ("stranger", "rival"):
        _error(
            api.get(f"{BASE}/findings", headers=world.headers(who)), 404, "organization_not_found"
        )
        _error(
            api.get(f"{BASE}/overview", headers=world.headers(who)), 404, "organization_not_found"
        )
    answer = api.get(f"{BASE}/findings", headers=world.headers("member"))
    assert answer.status_code == 200
    # Every status by default; never another organisation's finding.
    assert _ids(answer.json()) == {mixed[n] for n in ("lodash", "django", "xss", "hsts")}
    assert answer.json()["nextCursor"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("scanType=SCA", {"lodash", "django"}),
        ("scanType=dast", {"xss", "hsts"}),
        ("scanType=sca,DAST", {"lodash", "django", "xss", "hsts"}),
        ("severity=critical&severity=LOW", {"lodash", "hsts"}),
        ("status=open", {"lodash", "xss"}),
        ("status=fixed,ignored", {"django", "hsts"}),
        ("repository=Acme/API", {"django"}),
        ("q=order_by", {"django"}),
        ("q=DJANGO", {"django"}),
        ("q=hsts", {"hsts"}),
        ("q=100%25_", {"hsts"}),  # % and _ are literal, not wildcards
        ("q=%25", {"hsts"}),
        ("q=search", {"xss"}),
        ("q=no-such-thing", set()),
        ("scanType=DAST&status=open&severity=HIGH", {"xss"}),
    ],
)
def test_filters(
    api: TestClient, world: World, mixed: dict[str, str], query: str, expected: set[str]
) -> None:
    answer = api.get(f"{BASE}/findings?{query}", headers=world.headers("member"))
    assert answer.status_code == 200, answer.text
    assert _ids(answer.json()) == {mixed[n] for n in expected}


def test_target_filter_and_deleted_targets(
    api: TestClient, db_engine: Engine, world: World, mixed: dict[str, str]
) -> None:
    xss = api.get(f"{BASE}/findings/{mixed['xss']}", headers=world.headers("member")).json()
    assert xss["targetDeleted"] is False
    answer = api.get(f"{BASE}/findings?target={xss['targetId']}", headers=world.headers("member"))
    assert _ids(answer.json()) == {mixed["xss"], mixed["hsts"]}
    with write_session(db_engine) as session:
        session.execute(update(DastTarget).values(deleted_at=T0 + timedelta(1)))
    answer = api.get(f"{BASE}/findings?scanType=DAST", headers=world.headers("member"))
    # Findings of a deleted target stay, marked as such; SCA findings have no target.
    assert {f["targetDeleted"] for f in answer.json()["findings"]} == {True}
    lodash = api.get(f"{BASE}/findings/{mixed['lodash']}", headers=world.headers("member"))
    assert lodash.json()["targetDeleted"] is None


def test_finding_shape(api: TestClient, world: World, mixed: dict[str, str]) -> None:
    body = api.get(f"{BASE}/findings/{mixed['django']}", headers=world.headers("member")).json()
    assert body["id"] == mixed["django"]
    assert body["scanType"] == "SCA"
    assert (body["ruleId"], body["package"], body["ecosystem"]) == (
        "PYSEC-2021-98",
        "Django",
        "PyPI",
    )
    assert (body["status"], body["severity"]) == ("fixed", "MEDIUM")
    assert body["firstSeen"].startswith("2026-03-01T12:00:00")
    for key in (
        "lastSeen",
        "fixedAt",
        "isImported",
        "fixedVersion",
        "targetId",
        "targetUrl",
        "ignoredReason",
        "ignoredBy",
        "ignoredAt",
        "details",
        "endpoint",
        "parameter",
    ):
        assert key in body


@pytest.mark.parametrize(
    ("query", "mentions"),
    [
        ("scanType=SAST", "scanType"),
        ("severity=urgent", "severity"),
        ("status=closed", "status"),
        ("sort=name", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("target=not-a-uuid", "target"),
        ("repository=just-a-name", "repository"),
        ("cursor=garbage", "cursor"),
        ("q=" + "x" * 201, "q"),
        ("q=a%00b", "q"),  # PostgreSQL refuses NUL in text
        ("repository=acme/shop%00", "repository"),
    ],
)
def test_bad_parameters_are_400(api: TestClient, world: World, query: str, mentions: str) -> None:
    answer = api.get(f"{BASE}/findings?{query}", headers=world.headers("member"))
    assert mentions in _error(answer, 400, "invalid_request")


def test_cursor_of_another_sort_is_refused(
    api: TestClient, db_engine: Engine, world: World
) -> None:
    insert(db_engine, [stored(world.acme) for _ in range(3)])
    page = api.get(f"{BASE}/findings?limit=2", headers=world.headers("member")).json()
    assert page["nextCursor"]
    answer = api.get(
        f"{BASE}/findings?limit=2&sort=lastSeen&cursor={page['nextCursor']}",
        headers=world.headers("member"),
    )
    assert "sort order" in _error(answer, 400, "invalid_request")


@pytest.mark.parametrize("sort", ["-severity", "lastSeen", "-firstSeen"])
def test_pages_over_http(api: TestClient, db_engine: Engine, world: World, sort: str) -> None:
    severities = list(Severity)
    made = insert(
        db_engine,
        [
            stored(world.acme, severity=severities[i % 5], last_seen=T0 + timedelta(hours=i % 3))
            for i in range(45)
        ],
    )
    seen: list[str] = []
    url = f"{BASE}/findings?limit=10&sort={sort}"
    while True:
        page = api.get(url, headers=world.headers("member")).json()
        seen += [f["id"] for f in page["findings"]]
        if page["nextCursor"] is None:
            break
        url = f"{BASE}/findings?limit=10&sort={sort}&cursor={page['nextCursor']}"
    assert sorted(seen) == sorted(str(f.id) for f in made)
    assert len(seen) == len(set(seen))


def test_unknown_finding_ids(api: TestClient, world: World, mixed: dict[str, str]) -> None:
    member, manager = world.headers("member"), world.headers("manager")
    for finding_id in (mixed["theirs"], str(uuid.uuid4()), "not-an-id"):
        _error(api.get(f"{BASE}/findings/{finding_id}", headers=member), 404, "finding_not_found")
        _error(
            api.patch(f"{BASE}/findings/{finding_id}", json={"status": "open"}, headers=manager),
            404,
            "finding_not_found",
        )


def test_ignore_and_reopen(
    api: TestClient, world: World, mixed: dict[str, str], clock: FakeClock
) -> None:
    url = f"{BASE}/findings/{mixed['lodash']}"
    body = {"status": "ignored", "reason": "  not reachable in production  "}
    _error(api.patch(url, json=body, headers=world.headers("member")), 403, "forbidden")

    clock.advance(3600)
    answer = api.patch(url, json=body, headers=world.headers("manager"))
    assert answer.status_code == 200, answer.text
    ignored = answer.json()
    assert ignored["status"] == "ignored"
    assert ignored["ignoredReason"] == "not reachable in production"
    assert ignored["ignoredBy"] == {"id": str(world.accounts["manager"]), "name": "manager"}
    assert ignored["ignoredAt"].startswith("2026-03-01T13:00:00")
    listed = api.get(f"{BASE}/findings?status=ignored", headers=world.headers("member")).json()
    assert mixed["lodash"] in _ids(listed)

    reopened = api.patch(url, json={"status": "open"}, headers=world.headers("admin")).json()
    assert (reopened["status"], reopened["ignoredBy"], reopened["ignoredReason"]) == (
        "open",
        None,
        None,
    )
    # Reopening what is not ignored changes nothing.
    again = api.patch(url, json={"status": "open"}, headers=world.headers("admin")).json()
    assert again == reopened


def test_reopening_a_finding_fixed_before_it_was_ignored_restores_fixed(
    api: TestClient, world: World, mixed: dict[str, str]
) -> None:
    url = f"{BASE}/findings/{mixed['django']}"  # fixed
    headers = world.headers("admin")
    api.patch(url, json={"status": "ignored", "reason": "wontfix"}, headers=headers)
    assert api.patch(url, json={"status": "open"}, headers=headers).json()["status"] == "fixed"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "ignored"},
        {"status": "ignored", "reason": "   "},
        {"status": "ignored", "reason": "x" * 1001},
        {"status": "fixed"},
        {"status": "IGNORED", "reason": "why"},
        {"status": "ignored", "reason": 42},
        {"status": "ignored", "reason": "why", "extra": True},
        {},
        [],
    ],
)
def test_bad_status_changes_are_400(
    api: TestClient, world: World, mixed: dict[str, str], body: Any
) -> None:
    url = f"{BASE}/findings/{mixed['lodash']}"
    _error(api.patch(url, json=body, headers=world.headers("manager")), 400, "invalid_request")
    _error(
        api.patch(
            url,
            content=b"{not json",
            headers={**world.headers("manager"), "content-type": "application/json"},
        ),
        400,
        "invalid_request",
    )


def test_overview_over_http(
    api: TestClient, world: World, mixed: dict[str, str], clock: FakeClock
) -> None:
    clock.advance(2 * 86400)
    body = api.get(f"{BASE}/overview?days=3", headers=world.headers("member")).json()
    assert body["open"]["SCA"] == {"CRITICAL": 1, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}
    assert body["open"]["DAST"]["HIGH"] == 1
    assert body["statuses"] == {"open": 2, "fixed": 1, "ignored": 1}
    assert [p["date"] for p in body["trend"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    # All four first seen on day 1; the fixed and the ignored one closed the same day.
    assert body["trend"][0]["new"] == {"SCA": 2, "DAST": 2}
    assert body["trend"][0]["fixed"] == {"SCA": 1, "DAST": 0}
    assert body["trend"][0]["ignored"] == {"SCA": 0, "DAST": 1}
    assert [p["open"] for p in body["trend"]] == [{"SCA": 1, "DAST": 1}] * 3
    for days in ("0", "366", "many"):
        answer = api.get(f"{BASE}/overview?days={days}", headers=world.headers("member"))
        _error(answer, 400, "invalid_request")


def test_openapi_documents_the_routes(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    paths = spec["paths"]
    prefix = "/api/v3/organizations/{provider}/{organization}/security"
    listing = paths[f"{prefix}/findings"]["get"]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "FindingsPageOut"
    )
    assert {"400", "401", "404"} <= set(listing["responses"])
    assert {p["name"] for p in listing["parameters"]} >= {
        "scanType",
        "severity",
        "status",
        "repository",
        "target",
        "q",
        "sort",
        "limit",
        "cursor",
    }
    patch = paths[f"{prefix}/findings/{{finding_id}}"]["patch"]
    assert {"400", "401", "403", "404"} <= set(patch["responses"])
    assert (
        "ErrorResponse"
        in patch["responses"]["403"]["content"]["application/json"]["schema"]["$ref"]
    )
    assert "200" in paths[f"{prefix}/overview"]["get"]["responses"]
    page = spec["components"]["schemas"]["FindingsPageOut"]
    assert set(page["properties"]) == {"findings", "nextCursor"}


_PARAMETERS = ["scanType", "severity", "status", "repository", "target", "q", "sort", "limit"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cursor=st.text(max_size=300),
    params=st.lists(st.tuples(st.sampled_from(_PARAMETERS), st.text(max_size=40)), max_size=4),
)
def test_garbage_never_500(
    api: TestClient, world: World, cursor: str, params: list[tuple[str, str]]
) -> None:
    answer = api.get(
        f"{BASE}/findings",
        params=[*params, ("cursor", cursor)],
        headers=world.headers("member"),
    )
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 400:
        assert answer.json()["error"]["code"] == "invalid_request"

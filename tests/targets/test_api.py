"""``/dast/targets`` against the app, on SQLite and PostgreSQL: shapes, every error code,
roles, pagination, soft delete, and analyze (without workers: scans stay queued)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from bastion.clock import utcnow
from bastion.dast.policy import AllowList
from bastion.db.models.dast import DastScanStatus, DastTarget
from bastion.db.session import read_session, write_session
from bastion.github.client import GitHubClient
from bastion.jobs.embedded import EmbeddedQueue
from bastion.secrets import KEY_FILE_NAME
from bastion.server import ServerSettings, create_app
from bastion.settings import get_settings
from bastion.targets import repository
from bastion.targets.auth_headers import unseal
from bastion.targets.config import DastSettings
from tests.targets.conftest import BASE, OTHER_BASE, MakeClient, Org

TARGET_KEYS = {
    "id",
    "url",
    "type",
    "createdAt",
    "createdBy",
    "authHeaders",
    "hasOpenapiDefinition",
    "openapiUrl",
    "deletedAt",
}
SCAN_KEYS = {
    "id",
    "targetId",
    "status",
    "phase",
    "progressPercent",
    "progress",
    "counts",
    "findingsCount",
    "stats",
    "pinnedAddress",
    "error",
    "requestedBy",
    "createdAt",
    "startedAt",
    "finishedAt",
}
DEFINITION_YAML = """
openapi: 3.0.3
info: {title: pets, version: "1"}
paths:
  /pets/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: a pet}
"""


def assert_error(response: Any, status: int, code: str, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "error"}
    assert body["status"] == "error"
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code, body
    if message is not None:
        assert message in body["error"]["message"], body


def create(client: TestClient, url: str = "https://app.example/", **fields: Any) -> Any:
    response = client.post(BASE, json={"url": url, **fields})
    assert response.status_code == 201, response.text
    return response.json()


# -- create -----------------------------------------------------------------------------


def test_creating_a_webapp_target_answers_201_with_the_target(client: TestClient) -> None:
    response = client.post(BASE, json={"url": "https://app.example/shop?x=1"})
    assert response.status_code == 201, response.text
    target = response.json()
    assert set(target) == TARGET_KEYS
    assert target["url"] == "https://app.example/shop?x=1"
    assert target["type"] == "webapp"
    assert target["createdBy"]["name"] == "mia"
    assert target["createdBy"]["email"] == "mia@example.com"
    assert set(target["createdBy"]) == {"id", "name", "email"}
    assert target["authHeaders"] == []
    assert target["hasOpenapiDefinition"] is False
    assert target["openapiUrl"] is None
    assert target["deletedAt"] is None
    assert client.get(f"{BASE}/{target['id']}").json() == target


def test_an_api_target_keeps_its_definition_and_never_shows_its_secrets(
    client: TestClient, engine: Engine, dast_settings: DastSettings
) -> None:
    secret = "Bearer s3cr3t-t0ken-value"
    target = create(
        client,
        "https://api.example/v1",
        type="api",
        openapiDefinition=DEFINITION_YAML,
        authHeaders={"Authorization": secret, "X-Api-Key": "k-123"},
    )
    assert target["type"] == "api"
    assert target["authHeaders"] == ["Authorization", "X-Api-Key"]
    assert target["hasOpenapiDefinition"] is True
    for response in (client.get(f"{BASE}/{target['id']}"), client.get(BASE)):
        assert secret not in response.text
        assert "k-123" not in response.text
    with read_session(engine) as session:
        row = session.scalars(select(DastTarget)).one()
    assert row.auth_headers_encrypted is not None
    assert "s3cr3t" not in row.auth_headers_encrypted
    assert unseal(dast_settings.secrets, row.auth_headers_encrypted) == (
        ("Authorization", secret),
        ("X-Api-Key", "k-123"),
    )
    # YAML in, JSON stored (integer response codes included).
    assert row.openapi_definition is not None
    stored = orjson.loads(row.openapi_definition)
    assert stored["openapi"] == "3.0.3"
    assert "200" in stored["paths"]["/pets/{id}"]["get"]["responses"]


def test_an_api_target_takes_a_definition_object_or_url(client: TestClient) -> None:
    inline = create(
        client,
        "https://api.example/",
        type="api",
        openapiDefinition={"swagger": "2.0", "info": {}, "paths": {"/a": {"get": {}}}},
    )
    assert inline["hasOpenapiDefinition"] is True
    remote = create(
        client, "https://app.example/", type="api", openapiUrl="https://docs.example/api.json"
    )
    assert remote["openapiUrl"] == "https://docs.example/api.json"
    assert remote["hasOpenapiDefinition"] is False


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"url": "ftp://app.example/"}, "invalid_url", "http:// or https://"),
        ({"url": "app.example"}, "invalid_url", "absolute"),
        ({"url": "/relative/path"}, "invalid_url", "absolute"),
        ({"url": "https://"}, "invalid_url", "no host"),
        ({"url": "https://user:pw@app.example/"}, "invalid_url", "credentials"),
        ({"url": "https://app.example:99999/"}, "invalid_url", "not a valid URL"),
        ({"url": "https://app .example/"}, "invalid_url", "spaces"),
        ({"url": "https://app.example/" + "a" * 2048}, "invalid_url", "2048"),
        ({"url": "http://2130706433/"}, "invalid_url", "invalid host name"),
        ({"url": ""}, "invalid_url", "empty"),
        ({}, "invalid_request", "url"),
        ({"url": 42}, "invalid_request", "url"),
        ({"url": "https://app.example/", "type": "mobile"}, "invalid_request", "type"),
        ({"url": "https://app.example/", "color": "red"}, "invalid_request", "color"),
        (
            {"url": "https://app.example/", "openapiDefinition": DEFINITION_YAML},
            "invalid_request",
            "Only api targets",
        ),
        (
            {
                "url": "https://app.example/",
                "type": "api",
                "openapiDefinition": DEFINITION_YAML,
                "openapiUrl": "https://docs.example/a.json",
            },
            "invalid_request",
            "not both",
        ),
        (
            {"url": "https://app.example/", "type": "api", "openapiDefinition": "{not: [valid"},
            "invalid_definition",
            "neither JSON nor YAML",
        ),
        (
            {"url": "https://app.example/", "type": "api", "openapiDefinition": {"a": 1}},
            "invalid_definition",
            "not an OpenAPI 3.x or Swagger 2.0",
        ),
        (
            {"url": "https://app.example/", "type": "api", "openapiDefinition": "openapi: 3.0.0"},
            "invalid_definition",
            "'paths'",
        ),
        (
            {"url": "https://app.example/", "type": "api", "openapiUrl": "file:///etc/passwd"},
            "invalid_url",
            "openapiUrl must be",
        ),
        (
            {"url": "https://app.example/", "authHeaders": {"Bad Name": "x"}},
            "invalid_auth_headers",
            "not a valid header name",
        ),
        (
            {"url": "https://app.example/", "authHeaders": {"Host": "x"}},
            "invalid_auth_headers",
            "set by the scanner",
        ),
        (
            {"url": "https://app.example/", "authHeaders": {"X-A": "a\r\nInjected: 1"}},
            "invalid_auth_headers",
            "line break",
        ),
        (
            {"url": "https://app.example/", "authHeaders": {"X-A": 1}},
            "invalid_request",
            "authHeaders",
        ),
    ],
)
def test_invalid_targets_are_refused_with_a_code(
    client: TestClient, body: dict[str, Any], code: str, message: str
) -> None:
    assert_error(client.post(BASE, json=body), 400, code, message)
    assert client.get(BASE).json()["items"] == []


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (rb'{"url": "https://app.example/\ud800"}', "invalid_url"),
        (
            rb'{"url": "https://app.example/", "authHeaders": {"X-A": "\ud800"}}',
            "invalid_auth_headers",
        ),
        (
            rb'{"url": "https://app.example/", "type": "api", "openapiDefinition": "\ud800"}',
            "invalid_definition",
        ),
        (b"{not json", "invalid_request"),
        (b"[]", "invalid_request"),
    ],
)
def test_malformed_bodies_are_400_never_500(client: TestClient, raw: bytes, code: str) -> None:
    response = client.post(BASE, content=raw, headers={"content-type": "application/json"})
    assert_error(response, 400, code)


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("http://10.0.0.5/", "target_not_allowed", "10.0.0.5, a private address"),
        ("http://[::1]:8080/", "target_not_allowed", "::1, a loopback address"),
        ("http://169.254.169.254/latest/", "target_not_allowed", "cloud metadata"),
        ("https://intranet.example/", "target_not_allowed", "resolves to 10.0.0.5"),
        ("https://mixed.example/", "target_not_allowed", "resolves to 192.168.1.9"),
        ("https://metadata.example/", "target_not_allowed", "cloud metadata"),
        ("https://nowhere.example/", "target_unresolvable", "nowhere.example does not resolve"),
    ],
)
def test_targets_that_resolve_to_restricted_addresses_are_refused(
    client: TestClient, url: str, code: str, message: str
) -> None:
    assert_error(client.post(BASE, json={"url": url}), 400, code, message)


def test_the_definition_url_is_subject_to_the_policy_too(client: TestClient) -> None:
    body = {"url": "https://app.example/", "type": "api", "openapiUrl": "http://10.1.1.1/a.json"}
    assert_error(client.post(BASE, json=body), 400, "target_not_allowed", "10.1.1.1")


def test_the_allow_list_lets_private_targets_in(make_client: MakeClient) -> None:
    client = make_client(allow_list=AllowList.parse("10.0.0.0/8, intranet.example"))
    create(client, "http://10.0.0.5:8080/")
    create(client, "https://intranet.example/")
    # Cloud metadata stays out, whatever the networks allowed.
    assert_error(
        client.post(BASE, json={"url": "http://169.254.169.254/"}), 400, "target_not_allowed"
    )


def test_the_same_url_twice_in_one_organisation_is_a_conflict(
    client: TestClient, make_client: MakeClient, org: Org
) -> None:
    first = create(client, "https://app.example/")
    for spelling in ("https://app.example/", "HTTPS://APP.Example:443/", "https://app.example"):
        assert_error(client.post(BASE, json={"url": spelling}), 409, "target_exists")
    # Another path is another target; another organisation may have the same URL.
    create(client, "https://app.example/admin")
    other = make_client(token=org.outsider)
    assert other.post(OTHER_BASE, json={"url": "https://app.example/"}).status_code == 201
    # Once deleted, the URL may be registered again.
    assert client.delete(f"{BASE}/{first['id']}").status_code == 204
    assert create(client, "https://app.example/")["id"] != first["id"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_targets_are_immutable(client: TestClient, method: str) -> None:
    target = create(client)
    response = client.request(method, f"{BASE}/{target['id']}", json={"url": "https://x.example"})
    assert_error(
        response,
        405,
        "method_not_allowed",
        "Targets are immutable: delete the target and create it again",
    )


# -- read -------------------------------------------------------------------------------


@pytest.mark.parametrize("target_id", ["0b5c8f0e-4a53-4c1e-9d2a-6f1e2d3c4b5a", "not-a-uuid"])
def test_unknown_targets_are_404(client: TestClient, target_id: str) -> None:
    for response in (
        client.get(f"{BASE}/{target_id}"),
        client.delete(f"{BASE}/{target_id}"),
        client.post(f"{BASE}/{target_id}/analyze"),
        client.get(f"{BASE}/{target_id}/scans"),
        client.get(f"{BASE}/{target_id}/scans/{uuid.uuid4()}"),
    ):
        assert_error(response, 404, "target_not_found")


def test_another_organisations_target_is_not_found(
    client: TestClient, make_client: MakeClient, org: Org
) -> None:
    other = make_client(token=org.outsider)
    theirs = other.post(OTHER_BASE, json={"url": "https://app.example/"}).json()
    assert_error(client.get(f"{BASE}/{theirs['id']}"), 404, "target_not_found")
    assert_error(client.delete(f"{BASE}/{theirs['id']}"), 404, "target_not_found")
    assert_error(client.post(f"{BASE}/{theirs['id']}/analyze"), 404, "target_not_found")
    # And acme's routes are not theirs at all.
    assert_error(other.get(BASE), 404, "organization_not_found")


def test_members_read_and_only_managers_and_admins_change(
    client: TestClient, make_client: MakeClient, org: Org
) -> None:
    target = create(client)
    member = make_client(token=org.member)
    assert member.get(BASE).status_code == 200
    assert member.get(f"{BASE}/{target['id']}").status_code == 200
    assert member.get(f"{BASE}/{target['id']}/scans").status_code == 200
    assert_error(member.post(BASE, json={"url": "https://docs.example/"}), 403, "forbidden")
    assert_error(member.delete(f"{BASE}/{target['id']}"), 403, "forbidden")
    assert_error(member.post(f"{BASE}/{target['id']}/analyze"), 403, "forbidden")
    admin = make_client(token=org.admin)
    assert admin.post(f"{BASE}/{target['id']}/analyze").status_code == 202
    anonymous = TestClient(client.app, raise_server_exceptions=False)
    assert_error(anonymous.get(BASE), 401, "unauthorized")


def test_targets_are_listed_newest_first_in_pages(client: TestClient) -> None:
    urls = [f"https://app.example/{n}" for n in range(5)]
    for url in urls:
        create(client, url)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        page = client.get(BASE, params=params).json()
        assert set(page) == {"items", "nextCursor"}
        assert len(page["items"]) <= 2
        seen += [item["url"] for item in page["items"]]
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == urls[::-1]
    assert [t["url"] for t in client.get(BASE).json()["items"]] == urls[::-1]


@pytest.mark.parametrize(
    "params",
    [{"cursor": "garbage!"}, {"cursor": "bm90IGEgY3Vyc29y"}, {"limit": 0}, {"limit": 101}],
)
def test_bad_page_parameters_are_400(client: TestClient, params: dict[str, Any]) -> None:
    assert_error(client.get(BASE, params=params), 400, "invalid_request")


# -- delete -----------------------------------------------------------------------------


def test_a_deleted_target_keeps_its_scans_and_stays_readable(client: TestClient) -> None:
    target = create(client)
    scan = client.post(f"{BASE}/{target['id']}/analyze").json()["scan"]
    assert client.delete(f"{BASE}/{target['id']}").status_code == 204

    shown = client.get(f"{BASE}/{target['id']}").json()
    assert shown["deletedAt"] is not None
    assert client.get(BASE).json()["items"] == []
    listed = client.get(BASE, params={"includeDeleted": "true"}).json()["items"]
    assert [t["id"] for t in listed] == [target["id"]]

    # Its queued scan was cancelled, and its history is still there.
    scans = client.get(f"{BASE}/{target['id']}/scans").json()["items"]
    assert [s["id"] for s in scans] == [scan["id"]]
    assert scans[0]["status"] == "cancelled"
    assert scans[0]["finishedAt"] is not None
    assert "deleted" in scans[0]["error"]
    assert client.get(f"{BASE}/{target['id']}/scans/{scan['id']}").json()["status"] == "cancelled"

    # A deleted target is no longer deleted, scanned or changed.
    assert_error(client.delete(f"{BASE}/{target['id']}"), 404, "target_not_found")
    assert_error(client.post(f"{BASE}/{target['id']}/analyze"), 404, "target_not_found")


# -- analyze and scans ------------------------------------------------------------------


def test_analyze_queues_one_scan_and_returns_it_again_while_active(client: TestClient) -> None:
    target = create(client)
    first = client.post(f"{BASE}/{target['id']}/analyze")
    assert first.status_code == 202, first.text
    body = first.json()
    assert set(body) == {"status", "scanId", "scan"}
    assert body["status"] == "accepted"
    scan = body["scan"]
    assert set(scan) == SCAN_KEYS
    assert scan["id"] == body["scanId"]
    assert scan["targetId"] == target["id"]
    assert scan["status"] == "queued"
    assert scan["progressPercent"] == 0
    assert scan["counts"] == {"CRITICAL": 0, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}
    assert scan["startedAt"] is None
    assert scan["finishedAt"] is None

    again = client.post(f"{BASE}/{target['id']}/analyze")
    assert again.status_code == 202
    assert again.json()["scanId"] == body["scanId"]

    scans = client.get(f"{BASE}/{target['id']}/scans").json()
    assert [s["id"] for s in scans["items"]] == [body["scanId"]]
    assert scans["nextCursor"] is None
    assert client.get(f"{BASE}/{target['id']}/scans/{body['scanId']}").json() == scan


def test_scans_are_listed_newest_first_in_pages(client: TestClient, engine: Engine) -> None:
    target = create(client)
    scan_ids: list[str] = []
    for _ in range(3):
        scan_id = client.post(f"{BASE}/{target['id']}/analyze").json()["scanId"]
        scan_ids.append(scan_id)
        # End it as a worker would, so the next analyze starts another scan.
        with write_session(engine) as session:
            assert repository.mark_running(session, uuid.UUID(scan_id), utcnow()) is not None
            assert repository.finish(session, uuid.UUID(scan_id), DastScanStatus.FAILED, utcnow())
    first = client.get(f"{BASE}/{target['id']}/scans", params={"limit": 2}).json()
    assert [s["id"] for s in first["items"]] == scan_ids[:0:-1]
    second = client.get(
        f"{BASE}/{target['id']}/scans", params={"limit": 2, "cursor": first["nextCursor"]}
    ).json()
    assert [s["id"] for s in second["items"]] == scan_ids[:1]
    assert second["nextCursor"] is None
    assert all(s["status"] == "failed" for s in first["items"] + second["items"])


def test_unknown_scans_are_404(client: TestClient) -> None:
    target = create(client)
    for scan_id in (str(uuid.uuid4()), "nope"):
        assert_error(client.get(f"{BASE}/{target['id']}/scans/{scan_id}"), 404, "scan_not_found")


def test_the_openapi_document_describes_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    targets = paths["/api/v3/organizations/{provider}/{organization}/dast/targets"]
    assert set(targets) == {"get", "post"}
    assert {"201", "400", "401", "403", "404", "409"} <= set(targets["post"]["responses"])
    one = paths["/api/v3/organizations/{provider}/{organization}/dast/targets/{target_id}"]
    assert {"get", "delete", "put", "patch"} <= set(one)
    assert "405" in one["put"]["responses"]


# -- configuration from the server's settings ---------------------------------------------


@contextmanager
def _app_from_settings(
    engine: Engine, github_app_key: rsa.RSAPrivateKey, token: str, **settings: Any
) -> Iterator[TestClient]:
    """An app left to build its target service from ``ServerSettings``."""
    with GitHubClient(1, github_app_key, api_url="http://127.0.0.1:9") as github:
        app = create_app(
            ServerSettings(run_workers=False, **settings),
            engine=engine,
            github=github,
            backend=EmbeddedQueue(engine),
        )
        with TestClient(app, headers={"api-token": token}, raise_server_exceptions=False) as client:
            yield client


def test_the_app_builds_its_target_service_from_the_server_settings(
    engine: Engine, org: Org, github_app_key: rsa.RSAPrivateKey
) -> None:
    allowed = {"dast_allowed_networks": "127.0.0.0/8"}
    with _app_from_settings(engine, github_app_key, org.manager, **allowed) as client:
        body = {"url": "http://127.0.0.1:8080/", "authHeaders": {"Authorization": "Bearer x"}}
        assert client.post(BASE, json=body).status_code == 201
        # No BASTION_SECRET_KEY: a key was generated into the data directory.
        assert (get_settings().data_dir / KEY_FILE_NAME).is_file()
        refused = client.post(BASE, json={"url": "http://10.0.0.1/"})
        assert_error(refused, 400, "target_not_allowed")


def test_a_broken_allow_list_is_reported_not_crashed_on(
    engine: Engine, org: Org, github_app_key: rsa.RSAPrivateKey
) -> None:
    broken = {"dast_allowed_networks": "*.corp"}
    with _app_from_settings(engine, github_app_key, org.manager, **broken) as client:
        response = client.post(BASE, json={"url": "https://app.example/"})
    assert_error(response, 500, "invalid_configuration", "BASTION_DAST_ALLOWED_NETWORKS: '*.corp'")

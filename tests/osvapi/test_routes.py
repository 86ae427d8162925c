"""The OSV API v1 contract on SQLite and PostgreSQL: payloads, semantics and errors as
api.osv.dev has them (messages copied from OSV.dev's server), over the mirror of conftest."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.advisories.store import LocalMirror
from bastion.ecosystems import normalize_package_name
from bastion.sca.scanner import scan_path
from tests.osvapi.conftest import PAGED_COUNT, PAGED_PACKAGE, RECORDS, record
from tests.osvapi.support import RFC3339, assert_osv_error, ids, pkg
from tests.support.paths import shared_dir

# -- POST /v1/query: by version ------------------------------------------------------


def test_a_version_query_answers_the_full_records_as_stored(client: TestClient) -> None:
    response = client.post("/v1/query", json=pkg("foo-bar", version="1.6"))
    assert response.headers["content-type"] == "application/json"
    vulns = response.json()["vulns"]
    assert [v["id"] for v in vulns] == ["GHSA-test-0002", "PYSEC-TEST-1"]
    # Whole records, every field as written, beyond-64-bit integers included.
    assert vulns == [record("GHSA-test-0002"), record("PYSEC-TEST-1")]
    assert set(response.json()) == {"vulns"}


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0", ["PYSEC-TEST-1"]),
        ("1.5", ["GHSA-test-0002", "PYSEC-TEST-1"]),
        ("1.8", ["PYSEC-TEST-1"]),
        ("2.0", []),
        ("2.0.0", []),
        ("1.9rc1", ["PYSEC-TEST-1"]),
    ],
)
def test_versions_are_matched_with_the_ecosystems_rules(
    client: TestClient, version: str, expected: list[str]
) -> None:
    assert ids(client.post("/v1/query", json=pkg("foo-bar", version=version))) == expected


def test_no_match_is_an_empty_object_as_on_osv_dev(client: TestClient) -> None:
    response = client.post("/v1/query", json=pkg("foo-bar", version="3.0"))
    assert response.status_code == 200
    assert response.content == b"{}"
    unknown = client.post("/v1/query", json=pkg("no-such-package-anywhere", "npm", "1.0.0"))
    assert unknown.content == b"{}"


@pytest.mark.parametrize("name", ["foo-bar", "Foo_Bar", "FOO.bar", "foo__bar"])
def test_pypi_names_are_normalised_like_the_scanner_does(client: TestClient, name: str) -> None:
    assert ids(client.post("/v1/query", json=pkg(name, version="1.0"))) == ["PYSEC-TEST-1"]


def test_ecosystem_names_are_matched_case_insensitively_like_the_scanner(
    client: TestClient,
) -> None:
    assert ids(client.post("/v1/query", json=pkg("foo-bar", "pypi", "1.0"))) == ["PYSEC-TEST-1"]


def test_an_unknown_ecosystem_is_invalid_as_on_osv_dev(client: TestClient) -> None:
    response = client.post("/v1/query", json=pkg("foo-bar", "PyPl", "1.0"))
    assert_osv_error(response, 400, 3, "Invalid ecosystem.")


@pytest.mark.parametrize("ecosystem", ["Ubuntu", "Ubuntu:22.04:LTS", "GitHub Actions", "CRAN"])
def test_an_osv_ecosystem_bastion_does_not_match_has_no_answer(
    client: TestClient, ecosystem: str
) -> None:
    response = client.post("/v1/query", json=pkg("openssl", ecosystem, "1.0"))
    assert response.status_code == 200, response.text
    assert response.content == b"{}"


def test_a_name_without_ecosystem_is_looked_up_in_every_ecosystem(client: TestClient) -> None:
    query = {"package": {"name": "shared-name"}, "version": "1.0.0"}
    assert ids(client.post("/v1/query", json=query)) == [
        "GHSA-test-shared-npm",
        "PYSEC-TEST-SHARED",
    ]


def test_proto3_empty_strings_and_nulls_mean_unset(client: TestClient) -> None:
    query = {"package": {"name": "foo-bar", "ecosystem": "PyPI", "purl": ""}, "version": None}
    everything = ids(client.post("/v1/query", json=query))
    assert everything == ids(client.post("/v1/query", json={**query, "version": ""}))
    assert everything == ["GHSA-test-0002", "PYSEC-TEST-1"]  # withdrawn left out


# -- no version, withdrawn ------------------------------------------------------------


def test_a_package_without_version_answers_every_advisory_naming_it(client: TestClient) -> None:
    assert ids(client.post("/v1/query", json=pkg("Foo.Bar"))) == ["GHSA-test-0002", "PYSEC-TEST-1"]
    django = ids(client.post("/v1/query", json=pkg("django")))
    assert len(django) > 50
    assert django == sorted(django)


def test_withdrawn_records_are_never_answered_by_queries(client: TestClient) -> None:
    everything = client.post("/v1/query", json=pkg("foo-bar"))
    by_version = client.post("/v1/query", json=pkg("foo-bar", version="99"))
    by_commit = client.post("/v1/query", json={"commit": "a" * 40})
    for response in (everything, by_version, by_commit):
        assert "PYSEC-TEST-WITHDRAWN" not in ids(response)
    assert by_version.content == b"{}"
    batch = client.post("/v1/querybatch", json={"queries": [pkg("foo-bar", version="99")]})
    assert batch.json() == {"results": [{}]}


# -- purl ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purl", "expected"),
    [
        ("pkg:pypi/foo-bar@1.6", ["GHSA-test-0002", "PYSEC-TEST-1"]),
        ("pkg:pypi/Foo_Bar@1.0", ["PYSEC-TEST-1"]),
        ("pkg:pypi/foo-bar", ["GHSA-test-0002", "PYSEC-TEST-1"]),
        ("pkg:pypi/foo-bar@2.0", []),
        ("pkg:npm/%40scope/pkg@1.2.2", ["GHSA-test-npm-scoped"]),
        ("pkg:npm/%40scope/pkg@1.2.3", []),
        ("pkg:maven/org.example/lib@1.0?type=jar", ["GHSA-test-maven"]),
        ("pkg:golang/github.com/example/mod@v1.1.0", ["GO-TEST-0001"]),
        ("pkg:golang/github.com/example/mod@v1.2.0", []),
        ("pkg:npm/lodash@4.17.20", ["GHSA-29mw-wpgm-hmr9", "GHSA-35jh-r3h4-6jhm"]),
    ],
)
def test_purl_queries(client: TestClient, purl: str, expected: list[str]) -> None:
    assert ids(client.post("/v1/query", json={"package": {"purl": purl}})) == expected


def test_a_purl_without_version_takes_the_version_field(client: TestClient) -> None:
    query = {"package": {"purl": "pkg:pypi/foo-bar"}, "version": "1.0"}
    assert ids(client.post("/v1/query", json=query)) == ["PYSEC-TEST-1"]


@pytest.mark.parametrize(
    ("package", "version", "message"),
    [
        ({"purl": "pkg:pypi/foo-bar@1.0"}, "1.0", "version specified in params and PURL query"),
        (
            {"purl": "pkg:pypi/foo-bar@1.0", "name": "foo-bar"},
            None,
            "name specified in a PURL query",
        ),
        (
            {"purl": "pkg:pypi/foo-bar@1.0", "ecosystem": "PyPI"},
            None,
            "ecosystem specified in a PURL query",
        ),
    ],
)
def test_a_purl_with_redundant_fields_is_refused_as_on_osv_dev(
    client: TestClient, package: dict[str, str], version: str | None, message: str
) -> None:
    query: dict[str, Any] = {"package": package}
    if version is not None:
        query["version"] = version
    assert_osv_error(client.post("/v1/query", json=query), 400, 3, message)


def test_an_invalid_purl_is_a_400(client: TestClient) -> None:
    response = client.post("/v1/query", json={"package": {"purl": "pypi/foo-bar@1.0"}})
    assert_osv_error(response, 400, 3)
    assert response.json()["message"].startswith("Invalid Package URL: ")


@pytest.mark.parametrize("purl", ["pkg:generic/openssl@1.1.1", "pkg:deb/ubuntu/openssl@1.1"])
def test_a_purl_type_bastion_does_not_match_has_no_answer_as_on_osv_dev(
    client: TestClient, purl: str
) -> None:
    response = client.post("/v1/query", json={"package": {"purl": purl}})
    assert response.status_code == 200
    assert response.content == b"{}"


# -- commit -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("commit", "expected"),
    [
        ("a" * 40, ["PYSEC-TEST-1"]),  # introduced (the withdrawn record names it too)
        ("A" * 40, ["PYSEC-TEST-1"]),
        ("c" * 40, ["OSV-TEST-GIT"]),  # introduced, in an entry without package
        ("d" * 40, ["OSV-TEST-GIT"]),  # last_affected
        ("b" * 40, []),  # the fix is not affected
        ("e" * 40, []),  # unknown: without the history, a commit in between is not found
        ("1499cffcd7c4d635b4297b44d48fb4fe94cf988e", ["PYSEC-2021-333"]),  # real PyPI data
    ],
)
def test_commit_queries_match_the_commits_records_name_as_affected(
    client: TestClient, commit: str, expected: list[str]
) -> None:
    assert ids(client.post("/v1/query", json={"commit": commit})) == expected


def test_a_commit_query_ignores_the_package_as_on_osv_dev(client: TestClient) -> None:
    query = {"commit": "c" * 40, "package": {"name": "anything", "ecosystem": "npm"}}
    assert ids(client.post("/v1/query", json=query)) == ["OSV-TEST-GIT"]


@pytest.mark.parametrize("commit", ["xyz", "abc", "a" * 66, "aa bb"])
def test_a_commit_that_is_not_a_hash_is_a_400(client: TestClient, commit: str) -> None:
    response = client.post("/v1/query", json={"commit": commit})
    assert_osv_error(response, 400, 3, "Invalid hash.")


def test_commit_and_version_together_are_a_400(client: TestClient) -> None:
    query = {**pkg("foo-bar", version="1.0"), "commit": "a" * 40}
    assert_osv_error(client.post("/v1/query", json=query), 400, 3)


# -- malformed queries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "Request body is not valid JSON"),
        (b"{nope", "Request body is not valid JSON"),
        (b"[]", "Request body must be a JSON object"),
        (b'"text"', "Request body must be a JSON object"),
        (b"{}", "Invalid query."),
        (b'{"version": "1.0"}', "Invalid query."),
        (b'{"package": {"ecosystem": "PyPI"}, "version": "1.0"}', "Invalid query."),
        (b'{"package": {}}', "Invalid query."),
        (b'{"package": "foo-bar"}', "Invalid value for package: expected an object"),
        (b'{"package": {"name": 3}}', "Invalid value for package.name: expected a string"),
        (
            b'{"package": {"name": "x"}, "version": 1.0}',
            "Invalid value for version: expected a string",
        ),
        (b'{"versoin": "1.0"}', 'unknown field "versoin"'),
        (b'{"package": {"nmae": "x"}}', 'unknown field "nmae" in package'),
        (b'{"package": {"name": "x\\u0000y", "ecosystem": "npm"}}', None),
    ],
)
def test_malformed_queries_are_osv_style_400s(
    client: TestClient, body: bytes, message: str | None
) -> None:
    response = client.post("/v1/query", content=body)
    assert_osv_error(response, 400, 3, message)


def test_an_oversized_body_is_refused(client: TestClient) -> None:
    response = client.post("/v1/query", content=b" " * (8 * 1024 * 1024 + 1))
    assert_osv_error(response, 400, 3, "Request body is too large")


def test_framework_errors_on_v1_have_the_osv_shape_too(client: TestClient) -> None:
    assert_osv_error(client.get("/v1/query"), 405, 12)
    assert_osv_error(client.post("/v1/nothing-here", json={}), 404, 5)
    # ...while the rest of the server keeps SPEC's envelope.
    spec = client.get("/api/nothing-here")
    assert spec.json()["status"] == "error"


# -- paging ---------------------------------------------------------------------------


def test_pages_follow_next_page_token_until_the_last(paged: TestClient) -> None:
    query = pkg(PAGED_PACKAGE)
    seen: list[str] = []
    tokens: list[str] = []
    body = paged.post("/v1/query", json=query).json()
    while True:
        seen += [v["id"] for v in body["vulns"]]
        if "next_page_token" not in body:
            break
        tokens.append(body["next_page_token"])
        body = paged.post("/v1/query", json={**query, "page_token": tokens[-1]}).json()
    assert len(tokens) == 2  # 7 records in pages of 3
    assert seen == sorted(f"PYSEC-PAGE-{n}" for n in range(1, PAGED_COUNT + 1))


def test_a_page_token_only_works_for_its_own_query(paged: TestClient) -> None:
    token = paged.post("/v1/query", json=pkg(PAGED_PACKAGE)).json()["next_page_token"]
    for query in (
        {**pkg(PAGED_PACKAGE, version="1.0"), "page_token": token},
        {**pkg("foo-bar"), "page_token": token},
        {**pkg(PAGED_PACKAGE), "page_token": token + "x"},
        {**pkg(PAGED_PACKAGE), "page_token": "not a token"},
        {**pkg(PAGED_PACKAGE), "page_token": "MDow"},  # "0:0", a zero offset
    ):
        assert_osv_error(paged.post("/v1/query", json=query), 400, 3, "Invalid page token.")


def test_batch_results_page_on_their_own(paged: TestClient) -> None:
    queries = [pkg("foo-bar"), pkg(PAGED_PACKAGE), pkg(PAGED_PACKAGE, version="1.0")]
    results = paged.post("/v1/querybatch", json={"queries": queries}).json()["results"]
    assert "next_page_token" not in results[0]
    assert [len(r["vulns"]) for r in results] == [2, 3, 3]
    token = results[1]["next_page_token"]
    # The batch token also continues the same query on /v1/query, and the other way round.
    single = paged.post("/v1/query", json={**queries[1], "page_token": token}).json()
    assert [v["id"] for v in single["vulns"]] == ["PYSEC-PAGE-4", "PYSEC-PAGE-5", "PYSEC-PAGE-6"]
    queries[2] = {**queries[2], "page_token": results[2]["next_page_token"]}
    again = paged.post("/v1/querybatch", json={"queries": queries}).json()["results"]
    assert [v["id"] for v in again[2]["vulns"]] == ["PYSEC-PAGE-4", "PYSEC-PAGE-5", "PYSEC-PAGE-6"]
    queries[0] = {**queries[0], "page_token": token}
    response = paged.post("/v1/querybatch", json={"queries": queries})
    assert_osv_error(response, 400, 3, "Invalid page token at index: 0.")


# -- POST /v1/querybatch ----------------------------------------------------------------


def test_a_batch_answers_ids_and_modified_in_query_order(client: TestClient) -> None:
    queries = [
        pkg("foo-bar", version="3.0"),
        pkg("foo-bar", version="1.6"),
        {"package": {"purl": "pkg:npm/%40scope/pkg@1.0.0"}},
        {"commit": "d" * 40},
        pkg("foo-bar", version="1.0"),
    ]
    response = client.post("/v1/querybatch", json={"queries": queries})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert results[0] == {}
    assert results[1] == {
        "vulns": [
            {"id": "GHSA-test-0002", "modified": "2024-06-01T00:00:00Z"},
            {"id": "PYSEC-TEST-1", "modified": "2024-05-01T10:00:00.500Z"},
        ]
    }
    assert results[2] == {
        "vulns": [{"id": "GHSA-test-npm-scoped", "modified": "2024-02-02T02:02:02.123Z"}]
    }
    assert [v["id"] for v in results[3]["vulns"]] == ["OSV-TEST-GIT"]
    assert [v["id"] for v in results[4]["vulns"]] == ["PYSEC-TEST-1"]


def test_a_batch_agrees_with_single_queries(client: TestClient) -> None:
    queries = [pkg(name, version=version) for name, version in [
        ("django", "2.2"), ("jinja2", "2.10"), ("pillow", "6.2.0"), ("requests", "2.19.1"),
        ("django", "2.2"), ("urllib3", "1.24.1"), ("flask", "3.0.0"),
    ]]  # fmt: skip
    batch = client.post("/v1/querybatch", json={"queries": queries}).json()["results"]
    for query, result in zip(queries, batch, strict=True):
        single = ids(client.post("/v1/query", json=query))
        assert [v["id"] for v in result.get("vulns", [])] == single
        assert all(RFC3339.match(v["modified"]) for v in result.get("vulns", []))


def test_a_batch_of_1000_is_answered_and_1001_refused(client: TestClient) -> None:
    queries = [pkg("foo-bar", version=f"1.{n}") for n in range(1000)]
    response = client.post("/v1/querybatch", json={"queries": queries})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1000
    too_many = client.post("/v1/querybatch", json={"queries": [*queries, {}]})
    assert_osv_error(too_many, 400, 3, "Too many queries.")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "Request body must be a JSON object"),
        (b'{"queries": {}}', "Invalid value for queries: expected a list"),
        (b'{"queries": [[]]}', "Invalid value for queries[0]: expected an object"),
        (b'{"queries": [{"package": {"name": "x"}}, {}]}', "Invalid query."),
        (b'{"queries": [{"package": {"name": 1}}]}', None),
        (b'{"queries": [], "extra": 1}', 'unknown field "extra"'),
    ],
)
def test_a_malformed_batch_is_a_400(client: TestClient, body: bytes, message: str | None) -> None:
    assert_osv_error(client.post("/v1/querybatch", content=body), 400, 3, message)


def test_an_empty_batch_has_no_results(client: TestClient) -> None:
    assert client.post("/v1/querybatch", json={"queries": []}).json() == {"results": []}
    assert client.post("/v1/querybatch", json={}).json() == {"results": []}


# -- GET /v1/vulns/{id} -------------------------------------------------------------------


def test_get_answers_the_record_verbatim(client: TestClient) -> None:
    response = client.get("/v1/vulns/GHSA-test-0002")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == (RECORDS / "GHSA-test-0002.json").read_bytes()


def test_get_answers_withdrawn_records(client: TestClient) -> None:
    response = client.get("/v1/vulns/PYSEC-TEST-WITHDRAWN")
    assert response.json() == record("PYSEC-TEST-WITHDRAWN")


def test_get_of_an_unknown_id_is_osv_devs_404(client: TestClient) -> None:
    assert_osv_error(client.get("/v1/vulns/GHSA-none-none-none"), 404, 5, "Bug not found.")
    assert_osv_error(client.get("/v1/vulns/pysec-test-1"), 404, 5, "Bug not found.")
    assert_osv_error(client.get("/v1/vulns/" + "X" * 101), 400, 3, "ID too long")


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("CVE-2099-0002", "GHSA-test-0002"),
        ("CVE-2099-0003", "PYSEC-TEST-WITHDRAWN"),  # its only holder, withdrawn or not
        ("CVE-2019-10906", "PYSEC-2019-217"),  # real PyPI data
    ],
)
def test_get_of_an_alias_held_by_one_record_answers_that_record(
    client: TestClient, alias: str, expected: str
) -> None:
    response = client.get(f"/v1/vulns/{alias}")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == expected


def test_get_of_an_alias_several_records_share_names_them(client: TestClient) -> None:
    response = client.get("/v1/vulns/CVE-2099-0001")
    assert_osv_error(
        response,
        404,
        5,
        "Bug not found, but the following aliases were: GHSA-test-0002 PYSEC-TEST-1",
    )


# -- one code path with `bastion scan` --------------------------------------------------


@pytest.mark.parametrize("app", ["python-app", "npm-app"])
def test_querybatch_and_the_scanner_agree_on_every_dependency(
    client: TestClient, mirror: Engine, app: str
) -> None:
    result = scan_path(shared_dir() / "fixtures" / app, LocalMirror(mirror))
    expected: dict[tuple[str, str, str], set[str]] = {}
    for dep in result.dependencies:
        if dep.version:
            key = (
                dep.ecosystem.value,
                normalize_package_name(dep.ecosystem, dep.name),
                dep.version,
            )
            expected.setdefault(key, set())
    for finding in result.findings:
        dep = finding.dependency
        assert dep.version is not None
        key = (dep.ecosystem.value, normalize_package_name(dep.ecosystem, dep.name), dep.version)
        expected[key].add(finding.vulnerability.id)
    queries = [pkg(name, ecosystem, version) for ecosystem, name, version in expected]
    results = client.post("/v1/querybatch", json={"queries": queries}).json()["results"]
    answered = {
        key: {v["id"] for v in res.get("vulns", [])}
        for key, res in zip(expected, results, strict=True)
    }
    assert answered == expected
    assert sum(map(len, answered.values())) == len(result.findings) > 0


def test_openapi_describes_the_osv_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/v1/query", "/v1/querybatch", "/v1/vulns/{vuln_id}"} <= set(spec["paths"])
    batch = spec["paths"]["/v1/querybatch"]["post"]
    body = batch["requestBody"]["content"]["application/json"]["schema"]
    assert "$defs" not in json.dumps(body)
    query = body["properties"]["queries"]["items"]
    assert set(query["properties"]) == {"commit", "version", "package", "page_token"}
    assert {"200", "400", "401", "429"} <= set(batch["responses"])

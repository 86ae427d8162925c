"""Whatever a client sends to /v1, the answer is a result or an OSV-style 4xx, never a 5xx."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import orjson
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# Strings near the ones that reach deep code: versions, purls, commits, ecosystems.
near_strings = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"[0-9]{1,3}(\.[0-9a-z*+~^-]{1,4}){0,4}", fullmatch=True),
    st.from_regex(r"pkg:[a-z]{0,8}/[^@]{0,20}(@.{0,10})?([?#].{0,10})?", fullmatch=True),
    st.from_regex(r"[0-9a-fA-F]{0,70}", fullmatch=True),
    st.sampled_from(["PyPI", "npm", "Go", "Debian:12", "Ubuntu", "pypi", "", "crates.io"]),
    st.sampled_from(["foo-bar", "django", "@scope/pkg", "lodash", "paged-pkg", "x\x00y"]),
)
fields = st.one_of(near_strings, json_values)
packages = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={"name": fields, "ecosystem": fields, "purl": fields}),
)
queries = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "package": packages,
            "version": fields,
            "commit": fields,
            "page_token": fields,
            "extra": json_values,
        },
    ),
)


def _check(response: Any) -> None:
    assert response.status_code < 500, response.text
    body = orjson.loads(response.content)
    if response.status_code >= 400:
        assert set(body) == {"code", "message"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(queries.map(lambda q: json.dumps(q).encode()), st.binary(max_size=64)))
def test_query_never_fails_on_the_server(client: TestClient, body: bytes) -> None:
    _check(client.post("/v1/query", content=body))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(queries, max_size=5))
def test_querybatch_never_fails_on_the_server(client: TestClient, batch: list[Any]) -> None:
    _check(client.post("/v1/querybatch", content=json.dumps({"queries": batch}).encode()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vuln_id=st.text(min_size=1, max_size=120).filter(lambda s: s not in {".", ".."}))
def test_get_never_fails_on_the_server(client: TestClient, vuln_id: str) -> None:
    _check(client.get(f"/v1/vulns/{quote(vuln_id, safe='')}"))

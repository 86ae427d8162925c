"""Requests built from OpenAPI 3 and Swagger 2 definitions (files next to this test)."""

from __future__ import annotations

import contextlib
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest
from defusedxml import ElementTree
from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.crawler.errors import OpenApiError
from bastion.dast.crawler.forms import BOUNDARY
from bastion.dast.crawler.openapi import (
    OpenApiImport,
    build_requests,
    load_openapi,
    parse_definition,
    read_definition,
)
from bastion.dast.model import HttpRequest
from tests.dast.crawler.conftest import run
from tests.dast.crawler.sites import DEFINITIONS


def build(name: str, target: str = "http://site.test/") -> OpenApiImport:
    path = DEFINITIONS / name
    document = parse_definition(read_definition(str(path)), name)
    return build_requests(document, base_url=target, target=target)


def request_for(imported: OpenApiImport, method: str, path: str) -> HttpRequest:
    for request in imported.requests:
        if request.method == method and urlsplit(request.url).path == path:
            return request
    raise AssertionError(f"no {method} {path} in {[r.url for r in imported.requests]}")


def test_openapi3_parameters_of_every_location() -> None:
    imported = build("petstore-3.yaml")
    assert len(imported.requests) == 8
    listing = request_for(imported, "GET", "/v1/pets")
    query = parse_qsl(urlsplit(listing.url).query)
    assert ("limit", "10") in query  # minimum
    assert ("status", "available") in query  # enum
    assert ("tags", "a") in query
    assert ("tags", "b") in query
    request_id = listing.header("X-Request-Id")
    assert request_id is not None
    assert len(request_id) == 36
    assert listing.header("Accept") is None  # OpenAPI says to ignore it
    assert listing.cookies == (("session", "s3ss"),)


def test_openapi3_json_body_from_refs_with_formats_and_bounds() -> None:
    imported = build("petstore-3.yaml")
    create = request_for(imported, "POST", "/v1/pets")
    assert create.content_type == "application/json"  # preferred over XML
    pet = orjson.loads(create.body)
    assert pet["id"] == 101  # exclusiveMinimum 100
    assert pet["name"] == "Rex"
    assert pet["born"] == "2024-01-01"
    assert pet["seen"].startswith("2024-01-01T")
    assert pet["home"].startswith("https://")
    assert pet["weight"] == 0.5
    assert pet["vaccinated"] is True
    assert pet["owner"]["email"] == "bastion@example.com"
    assert len(pet["owner"]["code"]) == 10  # minLength
    assert pet["owner"]["since"] == 1  # allOf merged
    assert pet["kind"] == "dog"  # first oneOf


def test_openapi3_path_refs_forms_multipart_xml_and_operation_servers() -> None:
    imported = build("petstore-3.yaml")
    assert request_for(imported, "GET", "/v1/pets/42").body == b""
    uuid_path = next(r for r in imported.requests if r.method == "DELETE").url
    assert len(urlsplit(uuid_path).path.rsplit("/", 1)[-1]) == 36  # operation param wins
    form = request_for(imported, "PUT", "/v1/pets/42")
    assert form.content_type == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(form.body.decode())) == {
        "name": "bastion",
        "email": "bastion@example.com",
        "tags": "bastion",
    }
    photo = request_for(imported, "POST", "/v1/pets/42/photo")
    assert photo.content_type == f"multipart/form-data; boundary={BOUNDARY}"
    assert b'name="file"; filename="bastion.txt"' in photo.body
    assert b'name="caption"\r\n\r\nbast\r\n' in photo.body  # maxLength 4
    order = request_for(imported, "POST", "/v1/orders")
    assert order.content_type == "application/xml"
    root = ElementTree.fromstring(order.body)
    assert root.tag == "order"
    assert root.findtext("id") == "1"
    search = request_for(imported, "GET", "/search-api/search")
    assert orjson.loads(dict(parse_qsl(urlsplit(search.url).query))["filter"]) == {"q": "bastion"}


def test_swagger2_host_base_path_body_and_form_data() -> None:
    imported = build("swagger-2.json", target="https://legacy.test/")
    assert imported.notes == ()
    get = request_for(imported, "GET", "/api/users/3")
    assert get.url == "https://legacy.test/api/users/3?fields=name"
    assert get.header("X-Trace") == "trace-1"
    put = request_for(imported, "PUT", "/api/users/1")
    user = orjson.loads(put.body)
    assert user["age"] == 18
    assert user["friends"] == []  # the recursive item is left out
    avatar = request_for(imported, "POST", "/api/avatar")
    assert avatar.content_type.startswith("multipart/form-data; boundary=")
    assert b'name="image"; filename="bastion.txt"' in avatar.body
    assert b'name="note"\r\n\r\nhi\r\n' in avatar.body
    subscribe = request_for(imported, "POST", "/api/subscribe")
    assert subscribe.body == b"email=bastion%40example.com"


def test_swagger2_host_outside_scope_is_rebased_on_the_target() -> None:
    imported = build("swagger-2.json", target="http://staging.test:8080/")
    assert request_for(imported, "GET", "/api/users/3").url.startswith("http://staging.test:8080/")
    assert any("out of scope" in note for note in imported.notes)


def test_cyclic_and_unresolvable_refs_end_in_values_and_notes() -> None:
    imported = build("cyclic-refs.yaml")
    tree = orjson.loads(request_for(imported, "POST", "/tree").body)
    assert tree == {"name": "bastion", "children": []}
    assert request_for(imported, "GET", "/loop").url == "http://site.test/loop?q="
    assert request_for(imported, "GET", "/external").url.startswith("http://site.test/external?")
    assert any("external $ref other.yaml#/Thing" in note for note in imported.notes)
    assert any("unresolvable $ref #/components/schemas/Missing" in note for note in imported.notes)


def test_servers_outside_scope_use_the_target() -> None:
    imported = build("out-of-scope-server.yaml", target="http://staging.test/")
    assert [r.url for r in imported.requests] == ["http://staging.test/v2/health"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not-openapi.json", "not an OpenAPI 3.x or Swagger 2.0 definition"),
        ("broken.yaml", "neither JSON nor YAML"),
        ("no-paths.yaml", "no 'paths' mapping"),
        ("missing.yaml", "cannot read the definition"),
    ],
)
def test_bad_definitions_are_openapi_errors(name: str, message: str) -> None:
    with pytest.raises(OpenApiError, match=message):
        build(name)


def test_load_from_a_url_resolves_relative_servers_against_it() -> None:
    data = (DEFINITIONS / "petstore-3.yaml").read_bytes()

    async def fetch(url: str) -> bytes:
        assert url == "http://site.test/docs/openapi.yaml"
        return data

    imported = run(
        load_openapi("http://site.test/docs/openapi.yaml", target="http://site.test/", fetch=fetch)
    )
    assert request_for(imported, "GET", "/v1/pets").url.startswith("http://site.test/v1/pets?")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["$ref", "type", "properties", "items", "example", "enum", "allOf", "oneOf",
             "schema", "in", "name", "content", "parameters", "requestBody", "minimum",
             "maximum", "format", "servers", "url", "get", "post", "x", "#/a"]
        )
        | st.text(max_size=5),
        children,
        max_size=5,
    ),
    max_leaves=30,
)  # fmt: skip


@given(json_values)
def test_arbitrary_documents_raise_only_openapi_error(document: object) -> None:
    for wrapper in (
        document,
        {"openapi": "3.0.0", "paths": document},
        {"swagger": "2.0", "paths": document},
        {"openapi": "3.1.0", "paths": {"/p/{x}": {"post": document}}, "components": document},
        {"swagger": "2.0", "paths": {"/p": {"get": {"parameters": [document]}}}},
    ):
        try:
            imported = build_requests(wrapper, base_url="http://s/", target="http://s/")
        except OpenApiError:
            continue
        for request in imported.requests:
            assert request.url.startswith(("http://", "https://"))


@given(st.binary(max_size=500))
def test_arbitrary_bytes_raise_only_openapi_error(data: bytes) -> None:
    try:
        document = parse_definition(data, "fuzz")
        build_requests(document, base_url="http://s/", target="http://s/")
    except OpenApiError:
        pass


def test_yaml_alias_bombs_stay_bounded() -> None:
    bomb = "openapi: 3.0.0\npaths:\n  /x:\n    post:\n      requestBody:\n        content:\n"
    bomb += "          application/json:\n            example: &l9 [*l8, *l8, *l8, *l8]\n"
    layers = "a: &l0 [x, x, x, x]\n" + "".join(
        f"b{n}: &l{n} [*l{n - 1}, *l{n - 1}, *l{n - 1}, *l{n - 1}]\n" for n in range(1, 9)
    )
    imported = build_requests(
        parse_definition((layers + bomb).encode(), "bomb"),
        base_url="http://s/",
        target="http://s/",
    )
    assert len(imported.requests[0].body) < 200_000


def _nodes(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _nodes(child, (*path, index))
    return found


def _replaced(value: object, path: tuple[object, ...], new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: _replaced(v, rest, new) if k == head else v for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]
    return value


@pytest.mark.parametrize("name", ["petstore-3.yaml", "swagger-2.json", "cyclic-refs.yaml"])
@given(data=st.data())
def test_mutated_definitions_raise_only_openapi_error(name: str, data: st.DataObject) -> None:
    document = parse_definition((DEFINITIONS / name).read_bytes(), name)
    nodes = _nodes(document)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(nodes))
        document = _replaced(document, path, data.draw(json_values))  # type: ignore[assignment]
    with contextlib.suppress(OpenApiError):
        build_requests(document, base_url="http://s/", target="http://s/")

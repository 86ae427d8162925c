"""Inline OpenAPI definitions: JSON or YAML, OpenAPI 3.x or Swagger 2.0, stored as JSON."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.targets.definitions import MAX_DEFINITION_BYTES, check_definition
from bastion.targets.errors import InvalidDefinition

TARGET = "https://api.example/"
SWAGGER_YAML = """
swagger: "2.0"
info: {title: t, version: "1"}
basePath: /v1
paths:
  /users:
    get:
      responses:
        200: {description: ok}
"""


def test_yaml_becomes_json_with_string_keys() -> None:
    stored = orjson.loads(check_definition(SWAGGER_YAML, target_url=TARGET))
    assert stored["swagger"] == "2.0"
    assert stored["paths"]["/users"]["get"]["responses"] == {"200": {"description": "ok"}}


def test_a_json_object_is_stored_as_given() -> None:
    document = {"openapi": "3.1.0", "info": {}, "paths": {"/a": {"get": {}}}}
    assert orjson.loads(check_definition(document, target_url=TARGET)) == document
    assert orjson.loads(check_definition(orjson.dumps(document).decode(), target_url=TARGET))


@pytest.mark.parametrize(
    ("definition", "says"),
    [
        ("{unbalanced: [", "neither JSON nor YAML"),
        ("- a list\n- not a mapping", "not a mapping"),
        ("just text", "not a mapping"),
        ({"openapi": "2.0", "paths": {}}, "not an OpenAPI 3.x or Swagger 2.0"),
        ({"info": {}, "paths": {}}, "not an OpenAPI 3.x or Swagger 2.0"),
        ({"openapi": "3.0.0", "paths": []}, "'paths'"),
        ({"openapi": "3.0.0"}, "'paths'"),
        ("x: " + "a" * MAX_DEFINITION_BYTES, "larger than"),
        ('{"openapi": "3.0.0", "paths": {"\ud800": {}}}', "not valid text"),
        ({"openapi": "3.0.0", "paths": {"/a": {"get": {"summary": "\ud800"}}}}, "stored as JSON"),
    ],
)
def test_what_is_not_an_api_definition_is_refused(definition: object, says: str) -> None:
    with pytest.raises(InvalidDefinition) as caught:
        check_definition(definition, target_url=TARGET)  # type: ignore[arg-type]
    assert says in caught.value.message
    assert caught.value.code == "invalid_definition"


@given(st.text(max_size=200))
def test_any_text_is_a_definition_or_a_clear_error(text: str) -> None:
    try:
        stored = check_definition(text, target_url=TARGET)
    except InvalidDefinition as exc:
        message = exc.message
    else:
        message = ""
        assert isinstance(orjson.loads(stored), dict)
    assert message == "" or message.startswith("openapiDefinition")

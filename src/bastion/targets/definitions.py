"""An ``api`` target's inline OpenAPI definition: checked when the target is created, the
way the scanner will read it, and stored as JSON text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from bastion.dast.crawler.errors import OpenApiError
from bastion.dast.crawler.openapi import build_requests, parse_definition
from bastion.targets.errors import InvalidDefinition

FIELD = "openapiDefinition"
# Far above real definitions (a few MB for the largest public APIs), far below what a
# request body may be made to hold.
MAX_DEFINITION_BYTES = 10 * 1024 * 1024


def check_definition(definition: Mapping[str, Any] | str, *, target_url: str) -> str:
    """The definition (a JSON object, or JSON or YAML text) as JSON text. Raises
    :class:`InvalidDefinition` unless it is an OpenAPI 3.x or Swagger 2.0 document with
    paths the scanner can build requests from."""
    if isinstance(definition, str):
        try:
            data = definition.encode()
        except UnicodeEncodeError:
            # Lone surrogates, which JSON escapes (\ud800) can smuggle in.
            raise InvalidDefinition(f"{FIELD} is not valid text") from None
        if len(data) > MAX_DEFINITION_BYTES:
            raise InvalidDefinition(f"{FIELD} is larger than {MAX_DEFINITION_BYTES} bytes")
        try:
            document: object = parse_definition(data, FIELD)
        except OpenApiError as exc:
            raise InvalidDefinition(exc.message) from None
    else:
        document = dict(definition)
    try:
        # The scanner's own reading: what passes here is what the scan will use.
        build_requests(document, base_url=target_url, target=target_url)
        # YAML may hold integer keys (response codes) and dates: JSON has neither.
        text = orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS)
    except OpenApiError as exc:
        raise InvalidDefinition(f"{FIELD}: {exc.message}") from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidDefinition(f"{FIELD}: cannot be stored as JSON ({exc})") from None
    if len(text) > MAX_DEFINITION_BYTES:
        raise InvalidDefinition(f"{FIELD} is larger than {MAX_DEFINITION_BYTES} bytes")
    return text.decode()

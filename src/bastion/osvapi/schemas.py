"""The OSV API v1 request bodies, and the response shapes for the OpenAPI description.

Requests are parsed strictly, as OSV.dev's protobuf gateway does: a field of the wrong
type or a field OSV does not define is a 400, so a typo such as ``"versoin"`` fails
loudly instead of silently turning into a query for every version. As in proto3 JSON,
``null`` and ``""`` both mean "not set".

Responses are written as pre-serialised bytes by the service (stored records are spliced
in verbatim); the models below only describe them.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bastion.osvapi.errors import InvalidArgument

# OSV.dev's own limit on POST /v1/querybatch.
MAX_BATCH_QUERIES = 1000

M = TypeVar("M", bound=BaseModel)


class PackageIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str | None = None
    ecosystem: str | None = None
    purl: str | None = None


class QueryIn(BaseModel):
    """``POST /v1/query`` body, and one entry of ``POST /v1/querybatch``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    commit: str | None = None
    version: str | None = None
    package: PackageIn | None = None
    page_token: str | None = None


class BatchIn(BaseModel):
    """``POST /v1/querybatch`` body."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    queries: list[QueryIn] = Field(default_factory=list, max_length=MAX_BATCH_QUERIES)


def parse_query(body: bytes) -> QueryIn:
    return _validate(QueryIn, _json_object(body))


def parse_batch(body: bytes) -> list[QueryIn]:
    data = _json_object(body)
    queries = data.get("queries")
    # Checked before validation so 1,001 malformed queries still get OSV.dev's answer.
    if isinstance(queries, list) and len(queries) > MAX_BATCH_QUERIES:
        raise InvalidArgument("Too many queries.")
    return _validate(BatchIn, data).queries


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        # orjson also refuses integers beyond 64 bits, which valid JSON may hold.
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise InvalidArgument("Request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidArgument("Request body must be a JSON object")
    return data


def _validate(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidArgument(describe(exc)) from None


_EXPECTED = {
    "string_type": "a string",
    "model_type": "an object",
    "dict_type": "an object",
    "list_type": "a list",
}


def describe(exc: ValidationError) -> str:
    """One sentence about the first problem, naming the field the way a client wrote it."""
    error = exc.errors()[0]
    where = ""
    for part in error["loc"]:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    kind = error["type"]
    if kind == "extra_forbidden":
        parent, _, field = where.rpartition(".")
        return f'unknown field "{field}"' + (f" in {parent}" if parent else "")
    if kind in _EXPECTED:
        return f"Invalid value for {where}: expected {_EXPECTED[kind]}"
    return f"Invalid value for {where or 'request'}: {error['msg']}"


# -- responses (documentation only) ------------------------------------------------


class MinimalVulnOut(BaseModel):
    id: str
    modified: str


class VulnListOut(BaseModel):
    """Full OSV records; both fields are left out when empty, as OSV.dev does."""

    vulns: list[dict[str, Any]] | None = None
    next_page_token: str | None = None


class MinimalVulnListOut(BaseModel):
    vulns: list[MinimalVulnOut] | None = None
    next_page_token: str | None = None


class BatchOut(BaseModel):
    results: list[MinimalVulnListOut]


class OsvErrorOut(BaseModel):
    code: int
    message: str

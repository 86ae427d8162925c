"""OSV API v1 (https://google.github.io/osv.dev/api/) over the local advisory mirror.

``POST /v1/query``, ``POST /v1/querybatch`` and ``GET /v1/vulns/{id}`` take and answer
what api.osv.dev does, so OSV clients (pip-audit, osv-scanner, scripts) work in networks
that cannot reach osv.dev. Errors have OSV.dev's ``{"code", "message"}`` body.

Access: open when the server listens on a loopback address; otherwise (or with
``BASTION_OSV_API_REQUIRE_TOKEN=true``) an account API token is required, in the
``api-token`` header, as ``Authorization: Bearer``, or, for clients that cannot send
headers (pip-audit), as an ``api-token`` query parameter of the URL, and each token has
its own per-minute limit (``BASTION_OSV_API_RATE_LIMIT``).
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from bastion.osvapi.errors import InvalidArgument, Unauthenticated
from bastion.osvapi.schemas import (
    BatchIn,
    BatchOut,
    OsvErrorOut,
    QueryIn,
    VulnListOut,
    parse_batch,
    parse_query,
)
from bastion.osvapi.service import OsvService
from bastion.server.auth import presented_token, valid_token
from bastion.server.state import StateDep

# A full batch of 1,000 queries is about 100 KB; anything near this is not a query.
MAX_BODY_BYTES = 8 * 1024 * 1024
TOKEN_PARAMETER = "api-token"

router = APIRouter(prefix="/v1", tags=["osv"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OsvErrorOut, "description": "Invalid query (`code` 3)"},
    401: {"model": OsvErrorOut, "description": "A token is required or invalid (`code` 16)"},
    429: {"model": OsvErrorOut, "description": "Rate limited (`code` 8), with `Retry-After`"},
}
JSON = "application/json"


# async: a plain function dependency would cost a threadpool hop per request.
async def get_osv(request: Request) -> OsvService:
    return cast(OsvService, request.app.state.osv)


OsvDep = Annotated[OsvService, Depends(get_osv)]


async def admit_caller(request: Request, state: StateDep, osv: OsvDep) -> None:
    """Let the request through, or raise: a token when one is required, then its limit.

    A token presented where none is required is still checked, as on /api: the caller
    meant to authenticate, and ignoring a revoked token would hide the mistake.
    """
    token = presented_token(request) or request.query_params.get(TOKEN_PARAMETER) or None
    required = state.settings.osv_api_token_required
    if token is None:
        if required:
            raise Unauthenticated(
                "An API token is required (api-token header, Authorization: Bearer, "
                f"or the {TOKEN_PARAMETER} URL parameter)"
            )
        return
    found = await run_in_threadpool(valid_token, state, token.strip())
    if found is None:
        raise Unauthenticated("Invalid, expired or revoked API token")
    if required:
        await run_in_threadpool(osv.admit, found[0])


Admitted = Annotated[None, Depends(admit_caller)]


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise InvalidArgument("Request body is too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise InvalidArgument("Request body is too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _request_body(model: type[Any]) -> dict[str, Any]:
    # Bodies are parsed by schemas.parse_* (OSV's messages), not by FastAPI, so the schema
    # is written here, its nested models inlined: "#/$defs/..." would not resolve inside
    # the OpenAPI document.
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {"requestBody": {"required": True, "content": {JSON: {"schema": inline(schema)}}}}


@router.post(
    "/query",
    summary="Advisories affecting a package version, a package, or a commit",
    response_class=Response,
    responses={200: {"model": VulnListOut, "description": "Full OSV records"}, **_ERRORS},
    openapi_extra=_request_body(QueryIn),
)
async def query(request: Request, osv: OsvDep, _admitted: Admitted) -> Response:
    """OSV.dev's ``POST /v1/query``; ``{}`` when nothing matches.

    * ``package`` (``name`` + ``ecosystem``, or ``purl``) + ``version``: the advisories
      whose ``affected[]`` covers that version, decided by the scanner's own matching
      (``bastion scan`` and this route cannot disagree). A purl may carry the version;
      a purl version plus a ``version`` field is a 400, as on OSV.dev.
    * ``package`` without a version: every advisory naming the package.
    * ``name`` without an ``ecosystem``: the name in every ecosystem.
    * ``commit``: only the commits a record's GIT ranges name as ``introduced`` or
      ``last_affected``. bastion has no repository histories, so a commit between the
      introduction and the fix that the record does not name is NOT found; OSV.dev walks
      the repository's history to find those. Query by package version instead.

    Withdrawn records are never returned. Up to ``BASTION_OSV_API_PAGE_SIZE`` records
    (1,000) per answer; ``next_page_token`` asks for the rest with the same query.
    Ecosystem names are matched case-insensitively and a release suffix
    (``Debian:12``) is matched as its ecosystem, as ``bastion scan`` does.
    """
    body = await _body(request)
    answer = await run_in_threadpool(lambda: osv.query(parse_query(body)))
    return Response(answer, media_type=JSON)


@router.post(
    "/querybatch",
    summary="Up to 1,000 queries at once: advisory ids and modification times",
    response_class=Response,
    responses={
        200: {"model": BatchOut, "description": "One result per query, in order"},
        **_ERRORS,
    },
    openapi_extra=_request_body(BatchIn),
)
async def querybatch(request: Request, osv: OsvDep, _admitted: Admitted) -> Response:
    """OSV.dev's ``POST /v1/querybatch``: the queries of ``POST /v1/query``, answered in
    order with ``{"vulns": [{"id", "modified"}]}``, or ``{}`` for a query that matches
    nothing. More than 1,000 queries is a 400. A query with more matches than a page
    carries its own ``next_page_token``; send it back in that query to continue.
    """
    body = await _body(request)
    answer = await run_in_threadpool(lambda: osv.querybatch(parse_batch(body)))
    return Response(answer, media_type=JSON)


@router.get(
    "/vulns/{vuln_id}",
    summary="One advisory record",
    response_class=Response,
    responses={
        200: {"description": "The OSV record as stored", "content": {JSON: {}}},
        404: {"model": OsvErrorOut, "description": "`Bug not found.` (`code` 5)"},
        **_ERRORS,
    },
)
async def get_vuln(vuln_id: str, osv: OsvDep, _admitted: Admitted) -> Response:
    """The stored record, including a withdrawn one (queries never return those).

    An id no record has but exactly one record lists among its ``aliases`` (a CVE id,
    say) answers that record, whose ``id`` is then not the one asked for; OSV.dev holds
    CVE records of its own, the mirror does not. An alias several records share is a 404
    naming them, in OSV.dev's words.
    """
    return Response(await run_in_threadpool(osv.vuln, vuln_id), media_type=JSON)

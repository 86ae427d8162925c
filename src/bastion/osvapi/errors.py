"""Errors of the OSV-compatible API, in OSV.dev's shape rather than SPEC's envelope.

OSV clients read ``{"code": <gRPC status code>, "message": "..."}``, the body OSV.dev's
gateway writes for a failed call; the HTTP status is the gateway's mapping of that code.
Messages copy OSV.dev's own wording where it has one ("Invalid query.", "Bug not found."),
so a client's error handling written against osv.dev behaves the same here.
"""

from __future__ import annotations

from typing import ClassVar

import orjson
from fastapi.responses import Response

from bastion.errors import BastionError

# google.rpc.Code values.
INVALID_ARGUMENT = 3
NOT_FOUND = 5
RESOURCE_EXHAUSTED = 8
UNIMPLEMENTED = 12
INTERNAL = 13
UNAUTHENTICATED = 16

# How the gateway answers a framework-level HTTP error (unknown route, wrong method).
_GRPC_FOR_HTTP = {
    400: INVALID_ARGUMENT,
    401: UNAUTHENTICATED,
    404: NOT_FOUND,
    405: UNIMPLEMENTED,
    413: INVALID_ARGUMENT,
    415: INVALID_ARGUMENT,
    429: RESOURCE_EXHAUSTED,
}


class OsvApiError(BastionError):
    code = "osv_api_error"
    status_code = 500
    default_message = "Internal server error"
    grpc_code: ClassVar[int] = INTERNAL


class InvalidArgument(OsvApiError):
    code = "invalid_request"
    status_code = 400
    default_message = "Invalid query."
    grpc_code = INVALID_ARGUMENT


class VulnNotFound(OsvApiError):
    code = "not_found"
    status_code = 404
    default_message = "Bug not found."
    grpc_code = NOT_FOUND


class Unauthenticated(OsvApiError):
    code = "unauthorized"
    status_code = 401
    default_message = "Missing or invalid API token"
    grpc_code = UNAUTHENTICATED


class RateLimited(OsvApiError):
    code = "rate_limited"
    status_code = 429
    default_message = "Rate limit exceeded, try again later"
    grpc_code = RESOURCE_EXHAUSTED

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        # Seconds, for the Retry-After header.
        self.retry_after = retry_after


def error_body(grpc_code: int, message: str) -> bytes:
    return orjson.dumps({"code": grpc_code, "message": message})


def osv_error_response(
    status_code: int, grpc_code: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        error_body(grpc_code, message),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


def render(exc: OsvApiError) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="bastion"'
    return osv_error_response(exc.status_code, exc.grpc_code, exc.message, headers)


def render_http_error(status_code: int, message: str, headers: dict[str, str]) -> Response:
    """A framework error (no such route, wrong method) on an OSV path, in OSV's shape."""
    return osv_error_response(
        status_code, _GRPC_FOR_HTTP.get(status_code, INTERNAL), message, headers
    )

"""SPEC §2's error envelope for every error the app can answer, in one place.

Every domain error derives from :class:`bastion.errors.BastionError` and carries
``code``, ``message`` and ``status_code``, so one handler renders them all. Framework
errors (bad JSON, unknown routes, wrong methods) are translated here so no response ever
has FastAPI's own ``{"detail": ...}`` shape.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bastion.errors import BastionError
from bastion.github.errors import GitHubUnavailable
from bastion.osvapi import errors as osv_errors
from bastion.scans.errors import RateLimited
from bastion.scans.schemas import ErrorResponse

log = logging.getLogger(__name__)

OSV_PREFIX = "/v1/"


class Unauthorized(BastionError):
    code = "unauthorized"
    status_code = 401
    default_message = "Missing or invalid API token"


class NotFound(BastionError):
    code = "not_found"
    status_code = 404
    default_message = "Not found"


_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}

# What each error status looks like in OpenAPI: the envelope, whatever the code.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in (
        (400, "Invalid request (`invalid_request`)"),
        (401, "`unauthorized` or `invalid_installation`"),
        (403, "`forbidden` (the caller's role does not allow this) or `no_write_access`"),
        (404, "`repo_not_found` or `scan_not_found`"),
        (429, "`rate_limited`, with `Retry-After`"),
        (502, "`github_unavailable`"),
    )
}


def error_response(
    status_code: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorResponse.of(code, message).model_dump(mode="json")
    return JSONResponse(body, status_code=status_code, headers=headers)


def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BastionError)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, GitHubUnavailable) and exc.retry_after is not None:
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    if exc.status_code == 401 and exc.code == Unauthorized.code:
        headers["WWW-Authenticate"] = 'Bearer realm="bastion"'
    if exc.status_code >= 500:
        # detail (GitHub's own words, repository names) goes to the log, not the caller.
        log.warning("request failed: %s", exc, extra={"code": exc.code, "status": exc.status_code})
    return error_response(exc.status_code, exc.code, exc.message, headers)


def _osv_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, osv_errors.OsvApiError)
    if exc.status_code >= 500:
        log.warning("request failed: %s", exc, extra={"code": exc.code, "status": exc.status_code})
    return osv_errors.render(exc)


def _is_osv(request: Request) -> bool:
    """OSV clients get OSV.dev's error body on /v1, whatever went wrong."""
    return request.url.path.startswith(OSV_PREFIX)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else "HTTP error"
    if exc.status_code == 404 and message == "Not Found":
        message = "No such route"
    if _is_osv(request):
        return osv_errors.render_http_error(exc.status_code, message, dict(exc.headers or {}))
    return error_response(exc.status_code, code, message, dict(exc.headers or {}))


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    message = f"Invalid value for {where or 'request'}: {first.get('msg', 'invalid')}"
    if _is_osv(request):
        return osv_errors.render(osv_errors.InvalidArgument(message))
    return error_response(400, "invalid_request", message)


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    if _is_osv(request):
        return osv_errors.render(osv_errors.OsvApiError())
    return error_response(500, BastionError.code, BastionError.default_message)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(BastionError, _domain_error)
    # More specific than BastionError, so Starlette picks it for OSV API errors.
    app.add_exception_handler(osv_errors.OsvApiError, _osv_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)

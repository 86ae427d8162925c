"""SPEC §2's ``POST /api/fix``: open a pull request that raises a scan's vulnerable
dependencies to their fixed releases."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bastion.fixes.errors import NothingToFix, ScanNotFinished
from bastion.fixes.schemas import FixRequest, FixSucceeded
from bastion.fixes.service import FixService
from bastion.github.pulls import PullRequestRejected, PullRequests
from bastion.jobs.ratelimit import RateLimiter
from bastion.scans.schemas import ErrorResponse
from bastion.server.auth import current_account
from bastion.server.errors import ERROR_RESPONSES
from bastion.server.state import AppState, StateDep

router = APIRouter(prefix="/api", tags=["fixes"])

_OWN_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": f"`{ScanNotFinished.code}`"},
    422: {
        "model": ErrorResponse,
        "description": f"`{NothingToFix.code}` (no finding has a fixed release bastion can "
        f"write into a manifest) or `{PullRequestRejected.code}` (GitHub refused the pull "
        "request)",
    },
}


@router.post(
    "/fix",
    summary="Open a pull request that raises a scan's vulnerable dependencies",
    response_model=FixSucceeded,
    responses={
        **{status: ERROR_RESPONSES[status] for status in (400, 401, 403, 404, 429, 502)},
        **_OWN_ERRORS,
    },
    openapi_extra={
        # The body is parsed by FixRequest.parse (SPEC's messages), not by FastAPI.
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": FixRequest.model_json_schema()}},
        }
    },
)
async def request_fix(request: Request, state: StateDep) -> FixSucceeded:
    body = await request.body()
    return await run_in_threadpool(_fix, state, request, body)


def _fix(state: AppState, request: Request, body: bytes) -> FixSucceeded:
    # The token is checked before the body is judged, so a caller without one gets 401.
    current_account(request, state)
    parsed = FixRequest.parse(body)
    service = FixService(
        state.engine,
        PullRequests(state.github),
        limiter=RateLimiter(state.engine, clock=state.clock),
    )
    return service.open_pull_request(parsed.installation_id, parsed.scan_id)

"""SPEC §2's scan routes: ``POST /api/scan``, ``GET /api/scan/{id}``, ``GET /api/sbom/{id}``.

``POST /api/scan`` asks GitHub about the installation and the ref before queueing, so
``401 invalid_installation`` and ``404 repo_not_found`` are answers to the request
itself; the job then downloads and scans exactly the sha resolved here.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bastion.scans.errors import ScanNotFound
from bastion.scans.schemas import (
    SBOM_MEDIA_TYPE,
    ScanAccepted,
    ScanRequest,
    ScanStatusOut,
    ScanSucceeded,
    ScanTarget,
)
from bastion.scans.service import ScanTicket
from bastion.server.auth import CurrentAccount, current_account
from bastion.server.errors import ERROR_RESPONSES
from bastion.server.state import AppState, StateDep

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.1

router = APIRouter(prefix="/api", tags=["scans"])


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: ERROR_RESPONSES[status] for status in statuses}


@router.post(
    "/scan",
    status_code=202,
    summary="Scan a repository commit",
    response_model=None,
    responses={
        200: {"model": ScanSucceeded, "description": "The scan finished within the short wait"},
        202: {"model": ScanAccepted, "description": "Queued or running; poll GET /api/scan/{id}"},
        **_errors(400, 401, 404, 429, 502),
    },
    openapi_extra={
        # The body is parsed by ScanRequest.parse (SPEC's messages), not by FastAPI.
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ScanRequest.model_json_schema()}},
        }
    },
)
async def request_scan(request: Request, state: StateDep) -> JSONResponse:
    started = time.perf_counter()
    body = await request.body()
    ticket, target = await run_in_threadpool(_submit, state, request, body)
    answer = await _wait(state, ticket.scan_id, state.settings.scan_wait_seconds)
    log.info(
        "scan.requested",
        extra={
            "scan_id": str(ticket.scan_id),
            "repo": f"{target.owner}/{target.repo}",
            "sha": target.sha,
            "installation_id": target.installation_id,
            "reused": not ticket.created,
            "answer": answer.status,
            "duration_ms": round((time.perf_counter() - started) * 1000),
        },
    )
    status_code = 200 if isinstance(answer, ScanSucceeded) else 202
    return JSONResponse(answer.model_dump(mode="json"), status_code=status_code)


def _submit(state: AppState, request: Request, body: bytes) -> tuple[ScanTicket, ScanTarget]:
    # Authentication, validation, the rate limit and the scan look-up in one trip to a
    # worker thread, not two (a sync dependency is a trip of its own): under load each
    # trip waits for the GIL, and that wait made the slowest answers. The token is still
    # checked before the body is judged, so a caller without one always gets 401.
    current_account(request, state)
    parsed = ScanRequest.parse(body)
    # The rate limit comes first: a refused request must not spend GitHub API calls.
    state.scans.admit(parsed.installation_id)
    state.repo_access.check_installation(parsed.installation_id, parsed.owner, parsed.repo)
    sha = state.repo_access.resolve_ref(
        parsed.installation_id, parsed.owner, parsed.repo, parsed.sha or parsed.ref
    )
    target = ScanTarget(parsed.installation_id, parsed.owner, parsed.repo, parsed.ref, sha)
    return state.scans.request(target), target


async def _wait(
    state: AppState, scan_id: uuid.UUID, seconds: float
) -> ScanAccepted | ScanSucceeded:
    """ScanService.request_and_wait's rule, polled without holding a worker thread for
    the whole wait (at 100 requests/s a 3 s blocking wait would exhaust the pool)."""
    if seconds <= 0:
        # No wait asked for: the answer is 202 whatever the scan does next, no read needed.
        return ScanAccepted(scan_id=scan_id)
    deadline = time.monotonic() + seconds
    while True:
        status = await run_in_threadpool(state.scans.status, scan_id)
        if status.status == "success" and status.result is not None:
            return ScanSucceeded(scan_id=scan_id, result=status.result)
        remaining = deadline - time.monotonic()
        if status.status not in ("queued", "running") or remaining <= 0:
            return ScanAccepted(scan_id=scan_id)
        await asyncio.sleep(min(POLL_INTERVAL, remaining))


def _scan_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        # Not a valid id is just another id that names no scan.
        raise ScanNotFound() from None


@router.get(
    "/scan/{scan_id}",
    summary="A scan's status and, once finished, its result",
    responses=_errors(401, 404),
)
def get_scan(scan_id: str, state: StateDep, _account: CurrentAccount) -> ScanStatusOut:
    return state.scans.status(_scan_id(scan_id))


@router.get(
    "/sbom/{scan_id}",
    summary="The CycloneDX SBOM of a finished scan",
    response_class=Response,
    responses={
        200: {
            "description": "CycloneDX 1.6 JSON",
            "content": {SBOM_MEDIA_TYPE: {"schema": {"type": "object"}}},
        },
        **_errors(401, 404),
    },
)
def get_sbom(scan_id: str, state: StateDep, _account: CurrentAccount) -> Response:
    return Response(state.scans.sbom(_scan_id(scan_id)), media_type=SBOM_MEDIA_TYPE)

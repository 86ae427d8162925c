"""``POST /webhook`` (SPEC §2): verify, decide, queue, answer.

The order matters: the size cap and the signature come before anything reads the body,
so an unsigned request costs one HMAC and is never parsed. Answers: ``401
invalid_signature`` for a missing, malformed or wrong ``X-Hub-Signature-256``; ``413``
beyond GitHub's own 25 MB; ``400 invalid_request`` for a signed delivery that is not
GitHub's shape; ``200 {"status": "ignored"}`` for events and actions bastion does not
act on (``ping`` included); ``202 {"status": "accepted"}`` once the reaction is queued.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from bastion.github.settings import GitHubSettings
from bastion.scans.schemas import ErrorResponse
from bastion.server.state import AppState, StateDep
from bastion.webhooks.config import WebhookConfig
from bastion.webhooks.errors import InvalidSignature, InvalidWebhook, PayloadTooLarge
from bastion.webhooks.events import Ignore, react
from bastion.webhooks.schemas import WebhookAccepted, WebhookIgnored
from bastion.webhooks.service import Delivery, WebhookService
from bastion.webhooks.signature import signature_matches

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

MAX_DELIVERY_ID = 100

_HEADERS: list[dict[str, Any]] = [
    {
        "name": "X-Hub-Signature-256",
        "in": "header",
        "required": True,
        "description": "`sha256=` and the hex HMAC-SHA256 of the body under GITHUB_WEBHOOK_SECRET",
        "schema": {"type": "string"},
    },
    {
        "name": "X-GitHub-Event",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
    },
    {
        "name": "X-GitHub-Delivery",
        "in": "header",
        "required": True,
        "description": "The delivery's GUID; a redelivery repeats it and changes nothing",
        "schema": {"type": "string"},
    },
]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


@router.post(
    "/webhook",
    status_code=202,
    summary="Receive a GitHub App webhook delivery",
    response_model=None,
    responses={
        200: {"model": WebhookIgnored, "description": "An event or action bastion ignores"},
        202: {"model": WebhookAccepted, "description": "Acted on: a scan queued, or similar"},
        400: _error("`invalid_request`: a signed delivery GitHub would not send"),
        401: _error("`invalid_signature`"),
        413: _error("`payload_too_large`: over GitHub's 25 MB"),
    },
    openapi_extra={
        "parameters": _HEADERS,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    },
)
async def receive_webhook(request: Request, state: StateDep) -> JSONResponse:
    config = webhook_config(request)
    body = await _read_capped(request, config.max_body_bytes)
    answer = await run_in_threadpool(_handle, state, config, request.headers, body)
    status_code = 200 if isinstance(answer, WebhookIgnored) else 202
    return JSONResponse(answer.model_dump(mode="json"), status_code=status_code)


def webhook_config(request: Request) -> WebhookConfig:
    """The app's webhook settings, read from the environment on first use."""
    config = getattr(request.app.state, "webhooks", None)
    if not isinstance(config, WebhookConfig):
        config = WebhookConfig.from_settings(GitHubSettings())
        request.app.state.webhooks = config
    return config


async def _read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _handle(
    state: AppState, config: WebhookConfig, headers: Headers, body: bytes
) -> WebhookAccepted | WebhookIgnored:
    started = time.perf_counter()
    if config.secret is None:
        log.error("webhook refused: GITHUB_WEBHOOK_SECRET is not set, nothing can be verified")
        raise InvalidSignature()
    if not signature_matches(config.secret, body, headers.get("x-hub-signature-256")):
        raise InvalidSignature()
    event = headers.get("x-github-event", "").strip()
    if not event:
        raise InvalidWebhook("Missing X-GitHub-Event header")
    delivery_id = headers.get("x-github-delivery", "").strip()
    if not delivery_id or len(delivery_id) > MAX_DELIVERY_ID:
        raise InvalidWebhook("Missing or invalid X-GitHub-Delivery header")
    payload = _json_object(body, headers.get("content-type", ""))
    reaction = react(event, payload, app_id=state.github.auth.app_id)
    action = payload.get("action")
    delivery = Delivery(delivery_id, event, action if isinstance(action, str) else None)
    service = WebhookService(
        state.engine,
        state.scans,
        state.backend,
        state.repo_access,
        scan_base_url=config.scan_base_url,
        clock=state.clock,
    )
    outcome = service.apply(delivery, reaction)
    log.info(
        "webhook.received",
        extra={
            # Not "event": the JSON log's own key for the message.
            "github_event": delivery.event,
            "github_action": delivery.action,
            "delivery": delivery.id,
            "outcome": outcome.note,
            "scan_id": str(outcome.scan_id) if outcome.scan_id else None,
            "duration_ms": round((time.perf_counter() - started) * 1000),
        },
    )
    return WebhookIgnored() if isinstance(reaction, Ignore) else WebhookAccepted()


def _json_object(body: bytes, content_type: str) -> dict[str, Any]:
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        raise InvalidWebhook("Set the webhook's content type to application/json")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidWebhook("Request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise InvalidWebhook("Request body must be a JSON object")
    return payload

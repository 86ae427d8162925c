"""Operational routes, open without a token: ``/health`` and ``/metrics``."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bastion import __version__
from bastion.server.state import StateDep

log = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    # Advisory records loaded in the local mirror.
    cache_size: int
    uptime_seconds: float
    database: Literal["ok", "unavailable"]


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "The database is unavailable"}},
)
def health(state: StateDep) -> JSONResponse:
    cache_size = 0
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        cache_size = state.cache_size()
        database: Literal["ok", "unavailable"] = "ok"
    except SQLAlchemyError:
        log.warning("health: database unavailable", exc_info=True)
        database = "unavailable"
    body = HealthOut(
        status="ok" if database == "ok" else "degraded",
        version=__version__,
        cache_size=cache_size,
        uptime_seconds=state.uptime_seconds(),
        database=database,
    )
    # 503 so load balancers take an instance without its database out of rotation.
    return JSONResponse(body.model_dump(), status_code=200 if database == "ok" else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"description": "Prometheus text format", "content": {"text/plain": {}}}},
)
def metrics(state: StateDep) -> Response:
    return Response(generate_latest(state.metrics), media_type=CONTENT_TYPE_LATEST)

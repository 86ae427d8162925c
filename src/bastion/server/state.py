"""What the routes share: built once by ``create_app``, reached through dependencies."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, cast

from fastapi import Depends, Request
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from bastion.advisories.store import LocalMirror
from bastion.clock import Clock
from bastion.github.cache import RepoAccessCache
from bastion.github.client import GitHubClient
from bastion.jobs.base import JobBackend
from bastion.jobs.store import JobStore
from bastion.scans.service import ScanService
from bastion.server.settings import ServerSettings

# /health is polled often; counting advisory rows each time would be wasted work.
CACHE_SIZE_TTL = 10.0


@dataclass
class AppState:
    settings: ServerSettings
    engine: Engine
    scans: ScanService
    github: GitHubClient
    # The request path's view of ``github``: recent installation checks and refs.
    repo_access: RepoAccessCache
    backend: JobBackend
    jobs: JobStore
    metrics: CollectorRegistry
    clock: Clock
    started: float = field(default_factory=time.monotonic)
    _cache_size: tuple[float, int] | None = None

    def uptime_seconds(self) -> float:
        return round(time.monotonic() - self.started, 3)

    def cache_size(self) -> int:
        now = time.monotonic()
        if self._cache_size is None or now - self._cache_size[0] > CACHE_SIZE_TTL:
            self._cache_size = (now, LocalMirror(self.engine).record_count())
        return self._cache_size[1]


# async: FastAPI runs a plain function dependency in the threadpool, a hop per request.
async def get_state(request: Request) -> AppState:
    return cast(AppState, request.app.state.bastion)


StateDep = Annotated[AppState, Depends(get_state)]

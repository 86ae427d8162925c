"""``create_app(settings)``: the FastAPI application. Nothing happens at import time."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bastion import __version__
from bastion.clock import Clock, utcnow
from bastion.db.engine import make_engine
from bastion.findings import routes as findings_routes
from bastion.fixes import routes as fix_routes
from bastion.github.cache import RepoAccessCache
from bastion.github.client import GitHubClient
from bastion.github.settings import GitHubSettings
from bastion.jobs.backends import make_backend
from bastion.jobs.base import JobBackend
from bastion.jobs.ratelimit import RateLimit, RateLimiter
from bastion.jobs.settings import JobSettings
from bastion.jobs.store import JobStore
from bastion.orgs import routes as org_routes
from bastion.osvapi import routes as osv_routes
from bastion.osvapi.service import OsvService
from bastion.scans import routes as scan_routes
from bastion.scans.executor import scan_resources
from bastion.scans.service import ScanService
from bastion.server import routes as ops_routes
from bastion.server.errors import install_error_handlers
from bastion.server.metrics import build_registry
from bastion.server.settings import ServerSettings
from bastion.server.state import AppState
from bastion.targets import routes as target_routes
from bastion.webhooks import routes as webhook_routes

log = logging.getLogger(__name__)


def create_app(
    settings: ServerSettings | None = None,
    *,
    engine: Engine | None = None,
    github: GitHubClient | None = None,
    backend: JobBackend | None = None,
    clock: Clock = utcnow,
) -> FastAPI:
    """The app. Anything not given is built from the environment (SPEC §5); the caller
    migrates the database first (``bastion serve`` does)."""
    settings = settings or ServerSettings()
    engine = engine or make_engine()
    github = github or GitHubClient.from_settings(GitHubSettings())
    if backend is None:
        job_settings = JobSettings()
        resources = scan_resources(github, scan_processes=job_settings.resolved_scan_processes)
        backend = make_backend(engine, job_settings, resources=resources)
    jobs = JobStore(engine, clock=clock)
    limiter = RateLimiter(engine, clock=clock)
    state = AppState(
        settings=settings,
        engine=engine,
        scans=ScanService(
            engine,
            backend,
            limiter=limiter,
            clock=clock,
            scan_limit=RateLimit(settings.scan_requests_per_hour),
        ),
        github=github,
        repo_access=RepoAccessCache(github),
        backend=backend,
        jobs=jobs,
        metrics=build_registry(engine, jobs, github.counter),
        clock=clock,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The limiter belongs to the running event loop, so it is set here, not above.
        to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        if settings.run_workers:
            backend.start()
        log.info("server.started", extra={"version": __version__, "workers": settings.run_workers})
        try:
            yield
        finally:
            if settings.run_workers:
                backend.stop()
            state.repo_access.close()
            log.info("server.stopped")

    app = FastAPI(
        title="bastion",
        version=__version__,
        summary="Self-hosted dependency scanning (SCA) for GitHub repositories",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.bastion = state
    app.state.osv = OsvService(
        engine,
        page_size=settings.osv_api_page_size,
        limiter=limiter,
        rate_limit=settings.osv_api_limit(),
    )
    install_error_handlers(app)
    app.include_router(scan_routes.router)
    app.include_router(fix_routes.router)
    app.include_router(osv_routes.router)
    app.include_router(ops_routes.router)
    app.include_router(org_routes.router)
    app.include_router(findings_routes.router)
    app.include_router(target_routes.router)
    app.include_router(webhook_routes.router)
    app.add_middleware(_AccessLog)
    return app


class _AccessLog:
    """One ``http.request`` log line per request.

    Plain ASGI rather than ``app.middleware("http")``: Starlette's BaseHTTPMiddleware
    runs each request through an extra task and memory stream, a measurable share of a
    request that otherwise costs a few milliseconds.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # An exception escaping the app becomes a 500 further out.
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            log.info(
                "http.request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )

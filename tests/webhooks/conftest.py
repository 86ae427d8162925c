"""Apps receiving webhooks on SQLite and PostgreSQL, with the GitHub stand-in behind them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.github.client import GitHubClient
from bastion.jobs.base import Resources
from bastion.jobs.embedded import EmbeddedQueue
from bastion.scans.jobs import SCAN_EXECUTOR, ScanExecutor
from bastion.server import ServerSettings, create_app
from bastion.webhooks.jobs import GITHUB_CLIENT
from tests.scans.support import instant
from tests.server.conftest import engine, github, github_client
from tests.support.github_standin import github_app_key, github_standin
from tests.webhooks.support import SECRET

__all__ = ["engine", "github", "github_app_key", "github_client", "github_standin"]

MakeApp = Callable[..., TestClient]


@pytest.fixture
def make_app(
    engine: Engine, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MakeApp]:
    """``make_app(executor=..., github=..., secret=..., scan_base_url=...)``: a started app
    whose workers scan with ``executor`` and publish check runs with ``github``. The
    webhook settings come from the environment, as in production."""
    clients: list[TestClient] = []

    def make(
        *,
        executor: ScanExecutor = instant,
        github: GitHubClient | None = None,
        secret: str | None = SECRET,
        scan_base_url: str | None = None,
        run_workers: bool = True,
        **settings: Any,
    ) -> TestClient:
        for name, value in (("GITHUB_WEBHOOK_SECRET", secret), ("SCAN_BASE_URL", scan_base_url)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        # The acme/globex stand-in unless the test brings its own GitHub.
        client_of_app = github or request.getfixturevalue("github_client")
        backend = EmbeddedQueue(
            engine,
            resources=Resources({SCAN_EXECUTOR: executor, GITHUB_CLIENT: client_of_app}),
            threads=2,
            poll_interval=0.1,
        )
        app = create_app(
            ServerSettings(run_workers=run_workers, **settings),
            engine=engine,
            github=client_of_app,
            backend=backend,
        )
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)

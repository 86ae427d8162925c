"""An app wired to a throwaway database (SQLite, then PostgreSQL) and the GitHub stand-in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.accounts.service import create_account, issue_token
from bastion.clock import utcnow
from bastion.db.session import write_session
from bastion.github.client import ClientOptions, GitHubClient
from bastion.jobs.base import Resources
from bastion.jobs.embedded import EmbeddedQueue
from bastion.scans.jobs import SCAN_EXECUTOR, ScanExecutor
from bastion.server import ServerSettings, create_app
from tests.scans.support import instant
from tests.support.github_standin import APP_ID, GitHubStandin, github_app_key, github_standin
from tests.support.paths import shared_dir

__all__ = ["github_app_key", "github_standin"]

ACME = 1001  # every repository of acme
GLOBEX = 1002  # only globex/api


def populate(standin: GitHubStandin) -> GitHubStandin:
    fixtures = shared_dir() / "fixtures"
    standin.add_installation(ACME, "acme")
    for app in ("npm-app", "python-app"):
        standin.add_repo("acme", app, fixtures / app, tags=("v1.0.0",))
    standin.add_installation(GLOBEX, "globex", repositories={"api"})
    standin.add_repo("globex", "api", fixtures / "npm-app")
    standin.add_repo("globex", "billing", fixtures / "python-app")
    return standin


@pytest.fixture
def engine(db_engine: Engine) -> Engine:
    """The API tests run on SQLite and on PostgreSQL (a throwaway cluster)."""
    return db_engine


@pytest.fixture
def github(github_standin: GitHubStandin) -> GitHubStandin:
    return populate(github_standin)


@pytest.fixture
def github_client(
    github: GitHubStandin, github_app_key: rsa.RSAPrivateKey
) -> Iterator[GitHubClient]:
    client = GitHubClient(
        APP_ID,
        github_app_key,
        api_url=github.url,
        options=ClientOptions(max_attempts=2, backoff_base=0.01, jitter=0.0, read_timeout=5.0),
    )
    yield client
    client.close()


@pytest.fixture
def token(engine: Engine) -> str:
    with write_session(engine) as session:
        account = create_account(session, "ci", utcnow())
        return issue_token(session, account.id, "ci", utcnow()).token


MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(engine: Engine, github_client: GitHubClient, token: str) -> Iterator[MakeClient]:
    """``make_client(executor=..., **settings)``: a started app and a client with a token."""
    clients: list[TestClient] = []

    def make(
        *, executor: ScanExecutor = instant, authenticated: bool = True, **settings: Any
    ) -> TestClient:
        backend = EmbeddedQueue(
            engine, resources=Resources({SCAN_EXECUTOR: executor}), threads=2, poll_interval=0.1
        )
        app = create_app(
            ServerSettings(**{"scan_wait_seconds": 3.0, **settings}),
            engine=engine,
            github=github_client,
            backend=backend,
        )
        headers = {"api-token": token} if authenticated else {}
        client = TestClient(app, headers=headers, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client()

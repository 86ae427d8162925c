"""A GitHub stand-in populated with a few accounts, and clients pointed at it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bastion.github.client import ClientOptions, GitHubClient
from tests.support.github_standin import (
    APP_ID,
    GitHubStandin,
    github_app_key,
    github_standin,
)
from tests.support.paths import shared_dir

__all__ = ["github_app_key", "github_standin"]

FIXTURE_APPS = ("go-app", "npm-app", "python-app", "rust-app")
ACME = 1001  # all of acme's repositories
GLOBEX = 1002  # only globex/api
INITECH = 1003  # all of initech's repositories, but initech has none


@dataclass
class FakeClock:
    """Wall-clock time that only moves when the test (or a client's sleep) moves it."""

    now: float = field(default_factory=time.time)
    sleeps: list[float] = field(default_factory=list)

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def github(github_standin: GitHubStandin, clock: FakeClock) -> GitHubStandin:
    """The stand-in with acme (the shared fixture apps), globex and initech installed."""
    github_standin.clock = clock.time
    fixtures = shared_dir() / "fixtures"
    github_standin.add_installation(ACME, "acme")
    for app in FIXTURE_APPS:
        github_standin.add_repo("acme", app, fixtures / app, tags=("v1.0.0",))
    github_standin.add_installation(GLOBEX, "globex", repositories={"api"})
    github_standin.add_repo("globex", "api", fixtures / "npm-app")
    github_standin.add_repo("globex", "billing", fixtures / "python-app")
    github_standin.add_installation(INITECH, "initech", account_type="User")
    # A repository whose owner never installed the App.
    github_standin.add_repo("umbrella", "web", fixtures / "go-app")
    return github_standin


MakeClient = Callable[..., GitHubClient]


@pytest.fixture
def make_client(
    github: GitHubStandin, github_app_key: rsa.RSAPrivateKey, clock: FakeClock
) -> Iterator[MakeClient]:
    clients: list[GitHubClient] = []

    def make(*, app_id: int = APP_ID, key: Any = None, **options: Any) -> GitHubClient:
        settings = {"jitter": 0.0, "read_timeout": 5.0, "connect_timeout": 5.0, **options}
        client = GitHubClient(
            app_id,
            key if key is not None else github_app_key,
            api_url=github.url,
            options=ClientOptions(**settings),
            clock=clock.time,
            sleep=clock.sleep,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> GitHubClient:
    return make_client()


@pytest.fixture
def fixture_app(request: pytest.FixtureRequest) -> Path:
    return shared_dir() / "fixtures" / str(request.param)

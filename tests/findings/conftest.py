"""A small world on each backend for the findings API: two organisations, people with
every role and their tokens, an app over the database with its workers off."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.accounts.service import create_account, issue_token
from bastion.db.models.orgs import Provider, Role
from bastion.db.session import write_session
from bastion.github.client import GitHubClient
from bastion.jobs.base import Resources
from bastion.jobs.embedded import EmbeddedQueue
from bastion.orgs.service import create_organization, set_membership
from bastion.server import ServerSettings, create_app
from tests.findings.factories import T0
from tests.support.clock import FakeClock
from tests.support.github_standin import APP_ID, github_app_key

__all__ = ["github_app_key"]

# Nothing listens here: a request to GitHub would fail loudly instead of leaving the host.
UNUSED_GITHUB = "http://127.0.0.1:9"
BASE = "/api/v3/organizations/gh/acme/security"


@dataclass(frozen=True)
class World:
    """gh/Acme: admin, manager, member; gh/globex: its own admin; stranger: nowhere."""

    acme: uuid.UUID
    globex: uuid.UUID
    accounts: dict[str, uuid.UUID]
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"api-token": self.tokens[who]}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def world(db_engine: Engine, clock: FakeClock) -> World:
    now = clock()
    with write_session(db_engine) as session:
        acme = create_organization(session, Provider.GITHUB, "Acme", now).id
        globex = create_organization(session, Provider.GITHUB, "globex", now).id
        accounts: dict[str, uuid.UUID] = {}
        tokens: dict[str, str] = {}
        for name in ("admin", "manager", "member", "rival", "stranger"):
            account = create_account(session, name, now)
            accounts[name] = account.id
            tokens[name] = issue_token(session, account.id, "laptop", now).token
        for name, org, role in (
            ("admin", acme, Role.ADMIN),
            ("manager", acme, Role.MANAGER),
            ("member", acme, Role.MEMBER),
            ("rival", globex, Role.ADMIN),
        ):
            set_membership(session, org, accounts[name], role, now)
    return World(acme, globex, accounts, tokens)


@pytest.fixture
def api(
    db_engine: Engine, clock: FakeClock, github_app_key: rsa.RSAPrivateKey
) -> Iterator[TestClient]:
    app = create_app(
        ServerSettings(run_workers=False),
        engine=db_engine,
        github=GitHubClient(APP_ID, github_app_key, api_url=UNUSED_GITHUB),
        backend=EmbeddedQueue(db_engine, resources=Resources({}), threads=1),
        clock=clock,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client

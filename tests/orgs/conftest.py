"""A small world on each backend: two organisations, people with every role, tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.accounts.service import create_account, issue_token
from bastion.db.models.orgs import Provider, Role
from bastion.db.session import write_session
from bastion.orgs import service, users
from tests.orgs.support import org_api_client
from tests.support.clock import FakeClock
from tests.support.github_standin import github_app_key

__all__ = ["github_app_key"]


@dataclass(frozen=True)
class World:
    """Who is who. ``tokens`` maps each person's first name (and ``ci``) to a token."""

    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"api-token": self.tokens[who]}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def world(db_engine: Engine, clock: FakeClock) -> World:
    """gh/Acme: alice admin, bob manager, carol member and the ``ci`` service account;
    gl/globex: carol manager; dave belongs nowhere."""
    now = clock()
    with write_session(db_engine) as session:
        acme = service.create_organization(session, Provider.GITHUB, "Acme", now)
        globex = service.create_organization(session, Provider.GITLAB, "globex", now)
        tokens: dict[str, str] = {}
        for who in ("alice", "bob", "carol", "dave"):
            account = users.create_user(session, f"{who.title()}@Example.com", now)
            tokens[who] = issue_token(session, account.id, "laptop", now).token
        ci = create_account(session, "ci", now)
        tokens["ci"] = issue_token(session, ci.id, "ci", now).token
        for who, role in (("alice", Role.ADMIN), ("bob", Role.MANAGER), ("carol", Role.MEMBER)):
            service.add_member(
                session, Provider.GITHUB, "acme", f"{who}@example.com", role=role, now=now
            )
        service.set_membership(session, acme.id, ci.id, Role.MEMBER, now)
        service.add_member(
            session,
            Provider.GITLAB,
            globex.name,
            "carol@example.com",
            role=Role.MANAGER,
            now=now,
        )
    return World(tokens)


@pytest.fixture
def api(
    db_engine: Engine, clock: FakeClock, github_app_key: rsa.RSAPrivateKey
) -> Iterator[TestClient]:
    client = org_api_client(db_engine, github_app_key, clock=clock)
    yield client
    client.close()

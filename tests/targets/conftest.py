"""An app with the target routes on a throwaway database (SQLite, then PostgreSQL), an
organisation with a manager, a member and an outsider, and a resolver with fixed answers
shared by the API and the scan job."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.accounts.service import create_account, issue_token
from bastion.clock import utcnow
from bastion.dast.policy import AllowList
from bastion.db.models.orgs import Provider, Role
from bastion.db.session import write_session
from bastion.github.client import GitHubClient
from bastion.jobs.base import Resources
from bastion.jobs.embedded import EmbeddedQueue
from bastion.orgs.service import create_organization, set_membership
from bastion.secrets import SecretBox
from bastion.server import ServerSettings, create_app
from bastion.targets.config import DAST_SETTINGS, DastSettings
from bastion.targets.service import TargetService
from tests.support.github_standin import github_app_key
from tests.targets.support import FakeDns

__all__ = ["github_app_key"]

BASE = "/api/v3/organizations/gh/acme/dast/targets"
OTHER_BASE = "/api/v3/organizations/gh/globex/dast/targets"
# Public addresses (documentation-free, never contacted: creation only resolves).
PUBLIC = "93.184.216.34"
DNS_ANSWERS: dict[str, list[str] | list[list[str]]] = {
    "app.example": [PUBLIC],
    "api.example": [PUBLIC, "2606:2800:220:1::1"],
    "docs.example": [PUBLIC],
    "intranet.example": ["10.0.0.5"],
    "mixed.example": [PUBLIC, "192.168.1.9"],
    "metadata.example": ["169.254.169.254"],
}


@pytest.fixture
def engine(db_engine: Engine) -> Engine:
    """The target API and job tests run on SQLite and on PostgreSQL."""
    return db_engine


@dataclass(frozen=True)
class Org:
    manager: str  # API tokens
    member: str
    admin: str
    outsider: str
    manager_name: str = "mia"


@pytest.fixture
def org(engine: Engine) -> Org:
    """``gh/acme`` with a manager, a member and an admin; ``gh/globex`` with the
    outsider as its manager (a member elsewhere, a stranger to acme)."""
    now = utcnow()
    tokens: dict[str, str] = {}
    with write_session(engine) as session:
        acme = create_organization(session, Provider.GITHUB, "acme", now)
        globex = create_organization(session, Provider.GITHUB, "globex", now)
        for name, org_id, role in (
            ("mia", acme.id, Role.MANAGER),
            ("max", acme.id, Role.MEMBER),
            ("ada", acme.id, Role.ADMIN),
            ("olga", globex.id, Role.MANAGER),
        ):
            account = create_account(session, name, now, email=f"{name}@example.com")
            set_membership(session, org_id, account.id, role, now)
            tokens[name] = issue_token(session, account.id, "test", now).token
    return Org(tokens["mia"], tokens["max"], tokens["ada"], tokens["olga"])


@pytest.fixture
def dns() -> FakeDns:
    return FakeDns(DNS_ANSWERS)


@pytest.fixture
def dast_settings(dns: FakeDns) -> DastSettings:
    """127.0.0.1 allowed (the test servers), a small budget, frequent progress."""
    return DastSettings(
        allow_list=AllowList.parse("127.0.0.1"),
        secrets=SecretBox([Fernet.generate_key()]),
        resolver=dns,
        max_requests=150,
        max_duration=20.0,
        concurrency=4,
        progress_interval=0.2,
    )


MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(
    engine: Engine, org: Org, dast_settings: DastSettings, github_app_key: rsa.RSAPrivateKey
) -> Iterator[MakeClient]:
    """``make_client(token=…, workers=False, **dast_settings_changes)``: a started app
    (with job workers when asked) and a client sending ``token``."""
    clients: list[TestClient] = []
    github = GitHubClient(1, github_app_key, api_url="http://127.0.0.1:9")

    def make(*, token: str | None = None, workers: bool = False, **changes: Any) -> TestClient:
        settings = replace(dast_settings, **changes)
        backend = EmbeddedQueue(
            engine, resources=Resources({DAST_SETTINGS: settings}), threads=1, poll_interval=0.1
        )
        app = create_app(
            ServerSettings(run_workers=workers), engine=engine, github=github, backend=backend
        )
        app.state.targets = TargetService(engine, backend, settings)
        headers = {"api-token": token or org.manager}
        client = TestClient(app, headers=headers, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
    github.close()


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    """The manager's client; no job workers, so scans stay queued."""
    return make_client()

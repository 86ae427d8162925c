"""An app over a given database, for the organisation routes; GitHub is never called."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.clock import Clock, utcnow
from bastion.github.client import GitHubClient
from bastion.jobs.base import Resources
from bastion.jobs.embedded import EmbeddedQueue
from bastion.server import ServerSettings, create_app
from tests.support.github_standin import APP_ID

# Nothing listens here: a request to GitHub would fail loudly instead of leaving the host.
UNUSED_GITHUB = "http://127.0.0.1:9"


def org_api_client(
    engine: Engine,
    github_app_key: rsa.RSAPrivateKey,
    *,
    clock: Clock = utcnow,
    allow_anonymous_api: bool = False,
) -> TestClient:
    """A client of an app on ``engine`` with its workers off; close it after use."""
    app = create_app(
        ServerSettings(run_workers=False, allow_anonymous_api=allow_anonymous_api),
        engine=engine,
        github=GitHubClient(APP_ID, github_app_key, api_url=UNUSED_GITHUB),
        backend=EmbeddedQueue(engine, resources=Resources({}), threads=1),
        clock=clock,
    )
    return TestClient(app, raise_server_exceptions=False)

"""One mirror per backend for the whole package, and apps over it with any settings.

The mirror holds the real npm and PyPI dumps, the hand-written records of ``records/``
(one scenario each: aliases, a withdrawn record, commits, purl spellings) and
``PAGED_COUNT`` generated records for one package, to page through. Building it once per
backend keeps the PostgreSQL runs cheap; tests only read it, apart from the tokens and
rate-limit rows of the access tests, which no other test looks at.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bastion.advisories.importer import import_path
from bastion.db.engine import make_engine
from bastion.github.client import GitHubClient
from bastion.jobs.base import Resources
from bastion.jobs.embedded import EmbeddedQueue
from bastion.server import ServerSettings, create_app
from tests.support.databases import BACKENDS, _PostgresServer
from tests.support.github_standin import APP_ID, github_app_key
from tests.support.paths import shared_dir

__all__ = ["github_app_key"]

RECORDS = Path(__file__).parent / "records"
PAGED_PACKAGE = "paged-pkg"
PAGED_COUNT = 7


def paged_record(number: int) -> dict[str, Any]:
    return {
        "id": f"PYSEC-PAGE-{number}",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": PAGED_PACKAGE},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
            }
        ],
    }


def _load(engine: Engine, tmp: Path) -> None:
    paged = tmp / "paged"
    paged.mkdir()
    for number in range(1, PAGED_COUNT + 1):
        (paged / f"PYSEC-PAGE-{number}.json").write_text(json.dumps(paged_record(number)))
    osv = shared_dir() / "osv"
    for source in (osv / "npm" / "all.zip", osv / "PyPI" / "all.zip", RECORDS, paged):
        report = import_path(engine, source)
        assert not report.problems, report.problems[:3]


@pytest.fixture(scope="package", params=BACKENDS)
def mirror(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database holding the mirror described above, on each backend."""
    tmp = tmp_path_factory.mktemp("osv-mirror")
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp / "bastion.db"
        shutil.copyfile(template, path)
        engine = make_engine(f"sqlite:///{path}")
        _load(engine, tmp)
        yield engine
        engine.dispose()
        return
    server: _PostgresServer = request.getfixturevalue("_postgres_server")
    name = server.create(template=server.template)
    engine = make_engine(server.url_for(name))
    _load(engine, tmp)
    yield engine
    engine.dispose()
    server.drop(name)


@pytest.fixture(scope="package")
def github_client(github_app_key: rsa.RSAPrivateKey) -> Iterator[GitHubClient]:
    # Never called: the OSV API makes no GitHub requests, and no scan runs.
    client = GitHubClient(APP_ID, github_app_key, api_url="http://127.0.0.1:9")
    yield client
    client.close()


MakeClient = Callable[..., TestClient]


@pytest.fixture(scope="package")
def make_client(mirror: Engine, github_client: GitHubClient) -> Iterator[MakeClient]:
    """``make_client(**settings)``: a client of an app over the mirror, workers off."""
    clients: list[TestClient] = []

    def make(**settings: Any) -> TestClient:
        backend = EmbeddedQueue(mirror, resources=Resources({}), threads=1)
        app = create_app(
            ServerSettings(**{"run_workers": False, **settings}),
            engine=mirror,
            github=github_client,
            backend=backend,
        )
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="package")
def client(make_client: MakeClient) -> TestClient:
    """Defaults on loopback: no token needed, pages of 1,000."""
    return make_client()


@pytest.fixture(scope="package")
def paged(make_client: MakeClient) -> TestClient:
    """Pages of 3, so paging is easy to reach."""
    return make_client(osv_api_page_size=3)


def record(vuln_id: str) -> dict[str, Any]:
    """A hand-written record as the mirror should return it."""
    data: dict[str, Any] = json.loads((RECORDS / f"{vuln_id}.json").read_text())
    return data

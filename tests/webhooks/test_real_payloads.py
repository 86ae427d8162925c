"""Every example payload in ../shared/github/webhooks, signed and delivered unchanged to a
server that is the App they were sent to (App 29310, on Codertocat/Hello-World)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Engine, select

from bastion.db.models.scans import ScanReport
from bastion.db.session import read_session
from bastion.github.client import ClientOptions, GitHubClient
from tests.support.github_standin import GitHubStandin, running_standin
from tests.support.paths import shared_dir
from tests.webhooks.conftest import MakeApp
from tests.webhooks.support import deliver, eventually, load_payload, payload_names

APP_ID = 29310
PR_HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
SUITE_HEAD = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"

# name → (status, the scan it queues: installation, ref, sha, pull request)
EXPECTED: dict[str, tuple[int, tuple[int, str, str, int | None] | None]] = {
    "check_run.requested_action": (200, None),
    "check_run.rerequested": (200, None),  # another App's check run ("randscape")
    "check_suite.requested": (202, (957387, "master", SUITE_HEAD, None)),
    "check_suite.rerequested": (202, (957387, "changes", PR_HEAD, 2)),
    "installation.created": (200, None),
    "installation.deleted": (202, None),  # forgets access, scans nothing
    "installation_repositories.added": (200, None),
    "ping": (200, None),
    "pull_request.closed": (200, None),
    "pull_request.opened": (202, (1, "changes", PR_HEAD, 2)),
    "pull_request.reopened": (202, (1, "changes", PR_HEAD, 2)),
    "pull_request.synchronize": (202, (1, "changes", PR_HEAD, 2)),
    "push": (200, None),  # deletes a tag
}


@pytest.fixture
def hello_world(github_app_key: rsa.RSAPrivateKey) -> Iterator[GitHubStandin]:
    standin = GitHubStandin(APP_ID, github_app_key.public_key())
    with running_standin(standin):
        for installation in (1, 957387):
            standin.add_installation(installation, "Codertocat")
        repo = standin.add_repo("Codertocat", "Hello-World", shared_dir() / "fixtures" / "npm-app")
        for sha, branch in ((PR_HEAD, "changes"), (SUITE_HEAD, "master")):
            repo.commits[sha] = repo.commits[repo.refs["heads/main"]]
            repo.refs[f"heads/{branch}"] = sha
        yield standin
    assert not standin.violations, "\n".join(standin.violations)


@pytest.fixture
def hello_client(
    hello_world: GitHubStandin, github_app_key: rsa.RSAPrivateKey
) -> Iterator[GitHubClient]:
    client = GitHubClient(
        APP_ID,
        github_app_key,
        api_url=hello_world.url,
        options=ClientOptions(max_attempts=2, backoff_base=0.01, jitter=0.0, read_timeout=5.0),
    )
    yield client
    client.close()


def test_every_example_payload_has_an_expectation() -> None:
    assert set(payload_names()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_payload(
    name: str,
    make_app: MakeApp,
    engine: Engine,
    hello_world: GitHubStandin,
    hello_client: GitHubClient,
) -> None:
    status, scan = EXPECTED[name]
    client = make_app(github=hello_client)
    response = deliver(client, name.partition(".")[0], load_payload(name))
    assert response.status_code == status, response.text
    assert response.json() == {"status": "accepted" if status == 202 else "ignored"}
    if scan is None:
        with read_session(engine) as session:
            assert session.scalars(select(ScanReport)).all() == []
        return
    installation, ref, sha, pr_number = scan
    with read_session(engine) as session:
        report = session.scalars(select(ScanReport)).one()
    assert (report.installation_id, report.owner, report.repo) == (
        installation,
        "codertocat",
        "hello-world",
    )
    assert (report.ref, report.head_sha, report.pr_number) == (ref, sha, pr_number)
    run = eventually(
        lambda: next((r for r in hello_world.check_runs_on(sha) if r.conclusion), None)
    )
    assert (run.name, run.conclusion, run.external_id) == ("bastion", "failure", str(report.id))

"""Installation checks, ref resolution, and how every GitHub failure maps to a SPEC error."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bastion.github.client import ClientOptions, GitHubClient
from bastion.github.errors import (
    GitHubAuthFailed,
    GitHubError,
    GitHubRateLimited,
    GitHubUnavailable,
    InvalidInstallation,
    RepoNotFound,
)
from bastion.github.metrics import NETWORK_ERROR
from tests.github.conftest import ACME, GLOBEX, INITECH, FakeClock, MakeClient
from tests.support.github_standin import GitHubStandin

COMMITS = r"/repos/acme/npm-app/commits/"


def test_installation_covering_the_repo_passes(client: GitHubClient) -> None:
    client.check_installation(ACME, "acme", "npm-app")
    client.check_installation(ACME, "ACME", "NPM-App")  # GitHub names ignore case
    client.check_installation(GLOBEX, "globex", "api")


@pytest.mark.parametrize(
    ("installation", "owner", "repo", "error", "detail"),
    [
        # The App is not installed on umbrella at all.
        (ACME, "umbrella", "web", InvalidInstallation, "belongs to acme, not umbrella"),
        # globex installed the App for globex/api only.
        (GLOBEX, "globex", "billing", InvalidInstallation, "does not include globex/billing"),
        # The repository belongs to another installation of the App.
        (GLOBEX, "acme", "npm-app", InvalidInstallation, "belongs to installation 1001"),
        # No such installation.
        (999_999, "acme", "npm-app", InvalidInstallation, "belongs to installation 1001"),
        (999_999, "umbrella", "web", InvalidInstallation, "installation 999999 does not exist"),
        # Installed on all of acme's repositories, and this one does not exist.
        (ACME, "acme", "missing", RepoNotFound, "acme/missing does not exist"),
        (INITECH, "initech", "anything", RepoNotFound, "initech/anything does not exist"),
    ],
)
def test_installation_errors(
    *,
    client: GitHubClient,
    installation: int,
    owner: str,
    repo: str,
    error: type[GitHubError],
    detail: str,
) -> None:
    with pytest.raises(error) as raised:
        client.check_installation(installation, owner, repo)
    assert raised.value.detail is not None
    assert detail in raised.value.detail


def test_error_codes_follow_the_spec() -> None:
    assert (InvalidInstallation.code, InvalidInstallation.status_code) == (
        "invalid_installation",
        401,
    )
    assert InvalidInstallation().message == "GitHub App is not installed on this repository"
    assert (RepoNotFound.code, RepoNotFound.status_code) == ("repo_not_found", 404)
    assert RepoNotFound().message == "Repository not found or not accessible"
    assert GitHubUnavailable.code == GitHubRateLimited.code == "github_unavailable"
    assert (GitHubUnavailable.status_code, GitHubRateLimited.status_code) == (502, 503)


@pytest.mark.parametrize("installation", [0, -3])
def test_bad_installation_ids_never_reach_github(
    client: GitHubClient, github: GitHubStandin, installation: int
) -> None:
    with pytest.raises(InvalidInstallation):
        client.check_installation(installation, "acme", "npm-app")
    with pytest.raises(InvalidInstallation):
        client.installation_token(installation)
    assert github.calls == []


@pytest.mark.parametrize(
    ("owner", "repo"),
    [("acme", "../../app/installations"), ("a/b", "c"), ("acme", ".."), ("", "x"), ("x", "a b")],
)
def test_malformed_names_never_reach_github(
    client: GitHubClient, github: GitHubStandin, owner: str, repo: str
) -> None:
    with pytest.raises(RepoNotFound):
        client.check_installation(ACME, owner, repo)
    with pytest.raises(RepoNotFound):
        client.resolve_ref(ACME, owner, repo, "main")
    assert github.calls == []


def test_suspended_installation_is_invalid(client: GitHubClient, github: GitHubStandin) -> None:
    github.installations[ACME].suspended = True
    with pytest.raises(InvalidInstallation, match="suspended"):
        client.resolve_ref(ACME, "acme", "npm-app", "main")


@pytest.mark.parametrize("ref", ["main", "heads/main", "refs/heads/main", "v1.0.0", "tags/v1.0.0"])
def test_refs_resolve_to_the_commit(client: GitHubClient, github: GitHubStandin, ref: str) -> None:
    sha = github.repos[("acme", "npm-app")].refs["heads/main"]
    assert client.resolve_ref(ACME, "acme", "npm-app", ref) == sha


def test_shas_resolve_to_themselves(client: GitHubClient, github: GitHubStandin) -> None:
    repo = github.repos[("acme", "npm-app")]
    newer = repo.commit(repo.commits[repo.refs["heads/main"]], branch="feature/login")
    assert client.resolve_ref(ACME, "acme", "npm-app", "feature/login") == newer
    assert client.resolve_ref(ACME, "acme", "npm-app", newer) == newer
    assert client.resolve_ref(ACME, "acme", "npm-app", newer[:10]) == newer


@pytest.mark.parametrize("ref", ["nope", "heads/nope", "0" * 40])
def test_missing_ref_is_repo_not_found(client: GitHubClient, ref: str) -> None:
    with pytest.raises(RepoNotFound, match="not found in acme/npm-app"):
        client.resolve_ref(ACME, "acme", "npm-app", ref)


@pytest.mark.parametrize("ref", ["", "a..b", "../x", "x y", "a~1", "b^", "c:d", "-x", "x/", "@"])
def test_invalid_refs_never_reach_github(
    client: GitHubClient, github: GitHubStandin, ref: str
) -> None:
    with pytest.raises(RepoNotFound, match="not a valid git ref"):
        client.resolve_ref(ACME, "acme", "npm-app", ref)
    assert github.calls == []


def test_repo_outside_the_installation_is_repo_not_found(client: GitHubClient) -> None:
    with pytest.raises(RepoNotFound, match="not visible"):
        client.resolve_ref(GLOBEX, "globex", "billing", "main")


def test_empty_repository_is_repo_not_found(client: GitHubClient, github: GitHubStandin) -> None:
    github.repos[("acme", "npm-app")].refs.clear()
    with pytest.raises(RepoNotFound, match="empty"):
        client.resolve_ref(ACME, "acme", "npm-app", "main")


# -- retries ---------------------------------------------------------------------------


def test_5xx_is_retried_with_exponential_backoff(
    client: GitHubClient, github: GitHubStandin, clock: FakeClock
) -> None:
    github.fail(COMMITS, 502, times=2)
    github.fail(COMMITS, 500, times=1)
    assert len(client.resolve_ref(ACME, "acme", "npm-app", "main")) == 40
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert [c.status for c in github.calls_to(COMMITS)] == [502, 502, 500, 200]


def test_persistent_5xx_is_github_unavailable(
    client: GitHubClient, github: GitHubStandin, clock: FakeClock
) -> None:
    github.fail(COMMITS, 503, times=10)
    with pytest.raises(GitHubUnavailable, match="HTTP 503 4 times") as raised:
        client.resolve_ref(ACME, "acme", "npm-app", "main")
    assert raised.value.status_code == 502
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_backoff_is_capped_and_jittered(make_client: MakeClient) -> None:
    client = make_client(jitter=0.2, backoff_base=1.0, backoff_max=4.0)
    delays = [client._backoff(attempt) for attempt in (1, 2, 3, 4, 5, 6)]
    for delay, nominal in zip(delays, (1, 2, 4, 4, 4, 4), strict=True):
        assert nominal * 0.8 <= delay <= nominal * 1.2


def test_dropped_connection_is_retried(
    client: GitHubClient, github: GitHubStandin, clock: FakeClock
) -> None:
    github.disconnect(COMMITS)
    assert len(client.resolve_ref(ACME, "acme", "npm-app", "main")) == 40
    assert clock.sleeps == [0.5]
    assert client.counter.total(operation="get_commit", status=NETWORK_ERROR) == 1


def test_slow_answer_times_out_and_is_retried(
    make_client: MakeClient, github: GitHubStandin, clock: FakeClock
) -> None:
    client = make_client(read_timeout=0.2)
    github.slow(COMMITS, 1.0)
    assert len(client.resolve_ref(ACME, "acme", "npm-app", "main")) == 40
    assert clock.sleeps == [0.5]


def test_unreachable_github_is_unavailable(
    github_app_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    with GitHubClient(
        1,
        github_app_key,
        api_url="http://127.0.0.1:9",
        options=ClientOptions(max_attempts=2, jitter=0),
        clock=clock.time,
        sleep=clock.sleep,
    ) as client:
        with pytest.raises(GitHubUnavailable, match="ConnectError"):
            client.installation_token(1)
        assert client.counter.total(status=NETWORK_ERROR) == 2


# -- rate limits -----------------------------------------------------------------------


def test_primary_rate_limit_short_wait_then_success(
    client: GitHubClient, github: GitHubStandin, clock: FakeClock
) -> None:
    github.rate_limit(COMMITS, reset_in=5)
    assert len(client.resolve_ref(ACME, "acme", "npm-app", "main")) == 40
    (wait,) = clock.sleeps
    assert 5 <= wait <= 7
    assert [c.status for c in github.calls_to(COMMITS)] == [403, 200]


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_rate_limit_with_retry_after(
    client: GitHubClient, github: GitHubStandin, clock: FakeClock, status: int
) -> None:
    github.secondary_rate_limit(COMMITS, retry_after=3, status=status)
    assert len(client.resolve_ref(ACME, "acme", "npm-app", "main")) == 40
    assert clock.sleeps == [3.0]


def test_rate_limit_too_long_is_github_rate_limited(
    client: GitHubClient, github: GitHubStandin, clock: FakeClock
) -> None:
    github.rate_limit(COMMITS, reset_in=1800)
    with pytest.raises(GitHubRateLimited) as raised:
        client.resolve_ref(ACME, "acme", "npm-app", "main")
    error = raised.value
    assert isinstance(error, GitHubUnavailable)
    assert (error.code, error.status_code) == ("github_unavailable", 503)
    assert error.retry_after is not None
    assert 1800 <= error.retry_after <= 1802
    assert clock.sleeps == []


def test_secondary_limit_without_hint_waits_a_minute(
    make_client: MakeClient, github: GitHubStandin, clock: FakeClock
) -> None:
    github.secondary_rate_limit(COMMITS, retry_after=None, times=2)
    with pytest.raises(GitHubRateLimited):
        make_client(max_rate_limit_wait=30).resolve_ref(ACME, "acme", "npm-app", "main")
    assert len(make_client().resolve_ref(ACME, "acme", "npm-app", "main")) == 40
    assert clock.sleeps == [60.0]


def test_rate_limit_waits_are_bounded(
    make_client: MakeClient, github: GitHubStandin, clock: FakeClock
) -> None:
    github.secondary_rate_limit(COMMITS, retry_after=1, times=10)
    with pytest.raises(GitHubRateLimited, match="still rate limited after 2 waits"):
        make_client(max_rate_limit_waits=2).resolve_ref(ACME, "acme", "npm-app", "main")
    assert clock.sleeps == [1.0, 1.0]


def test_permission_403_is_not_a_rate_limit(client: GitHubClient, github: GitHubStandin) -> None:
    github.fail(r"/access_tokens$", 403)
    with pytest.raises(InvalidInstallation):
        client.installation_token(ACME)


# -- credentials and counting ----------------------------------------------------------


def test_wrong_app_key_is_an_auth_failure(make_client: MakeClient) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(GitHubAuthFailed, match="could not be decoded") as raised:
        make_client(key=other_key).check_installation(ACME, "acme", "npm-app")
    assert raised.value.code == "github_unavailable"


def test_wrong_app_id_is_an_auth_failure(make_client: MakeClient) -> None:
    with pytest.raises(GitHubAuthFailed, match="Issuer"):
        make_client(app_id=7).installation_token(ACME)


def test_calls_are_counted_by_operation_and_status(
    client: GitHubClient, github: GitHubStandin
) -> None:
    seen: list[tuple[str, str]] = []
    client.counter.subscribe(lambda operation, status: seen.append((operation, status)))
    github.fail(COMMITS, 502)
    client.resolve_ref(ACME, "acme", "npm-app", "main")
    with pytest.raises(RepoNotFound):
        client.resolve_ref(ACME, "acme", "npm-app", "nope")
    assert client.counter.snapshot() == {
        ("create_installation_token", "201"): 1,
        ("get_commit", "502"): 1,
        ("get_commit", "200"): 1,
        ("get_commit", "422"): 1,
    }
    assert seen == [
        ("create_installation_token", "201"),
        ("get_commit", "502"),
        ("get_commit", "200"),
        ("get_commit", "422"),
    ]
    assert client.counter.total() == 4

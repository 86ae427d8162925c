"""The App JWT and the installation-token cache, on a clock the tests move by hand."""

from __future__ import annotations

import threading

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from bastion.github.app import AppAuth, InstallationToken, TokenCache
from bastion.github.client import GitHubClient
from bastion.github.errors import GitHubAuthFailed
from tests.github.conftest import ACME, GLOBEX, FakeClock, MakeClient
from tests.support.github_standin import APP_ID, GitHubStandin

TOKEN_ROUTE = r"/access_tokens$"


def test_jwt_claims(github_app_key: rsa.RSAPrivateKey, clock: FakeClock) -> None:
    token = AppAuth(APP_ID, github_app_key, clock=clock.time).jwt()
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(
        token,
        github_app_key.public_key(),
        algorithms=["RS256"],
        issuer=str(APP_ID),
        options={"verify_exp": False, "verify_iat": False},
    )
    now = int(clock.now)
    assert claims["iat"] == now - 60
    assert claims["exp"] - now <= 600
    assert claims["exp"] > now
    assert claims["iss"] == str(APP_ID)


def test_private_key_may_be_pem_text(github_app_key: rsa.RSAPrivateKey, clock: FakeClock) -> None:
    pem = github_app_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    token = AppAuth(APP_ID, pem, clock=clock.time).jwt()
    jwt.decode(token, github_app_key.public_key(), algorithms=["RS256"], issuer=str(APP_ID))


def test_non_rsa_key_is_refused() -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError, match="RSA"):
        AppAuth(APP_ID, pem)


def test_stand_in_accepts_the_jwt(client: GitHubClient, github: GitHubStandin) -> None:
    client.installation_token(ACME)
    (claims,) = github.jwt_claims
    assert claims["iss"] == str(APP_ID)


def test_token_is_cached_until_five_minutes_before_expiry(
    client: GitHubClient, github: GitHubStandin, clock: FakeClock
) -> None:
    first = client.installation_token(ACME)
    assert first.expires_at == pytest.approx(clock.now + 3600, abs=1)
    assert client.installation_token(ACME) is first
    clock.advance(3600 - 300 - 2)
    assert client.installation_token(ACME) is first
    clock.advance(3)
    second = client.installation_token(ACME)
    assert second.token != first.token
    assert len(github.calls_to(TOKEN_ROUTE)) == 2


def test_tokens_are_cached_per_installation(client: GitHubClient, github: GitHubStandin) -> None:
    acme = client.installation_token(ACME)
    globex = client.installation_token(GLOBEX)
    assert acme.token != globex.token
    assert client.installation_token(ACME) is acme
    assert len(github.calls_to(TOKEN_ROUTE)) == 2


def test_concurrent_callers_share_one_token_request(
    client: GitHubClient, github: GitHubStandin
) -> None:
    github.slow(TOKEN_ROUTE, 0.3)  # keeps the first fetch in flight while the others arrive
    barrier = threading.Barrier(8)
    tokens: list[str] = []

    def fetch() -> None:
        barrier.wait()
        tokens.append(client.installation_token(ACME).token)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(tokens)) == 1
    assert len(tokens) == 8
    assert len(github.calls_to(TOKEN_ROUTE)) == 1


def test_revoked_token_is_replaced_once(client: GitHubClient, github: GitHubStandin) -> None:
    old = client.installation_token(ACME)
    github.tokens.clear()  # GitHub forgot every token (revoked, or rotated keys)
    assert len(client.resolve_ref(ACME, "acme", "npm-app", "main")) == 40
    assert client.installation_token(ACME).token != old.token
    assert [c.status for c in github.calls_to(r"/commits/")] == [401, 200]


def test_expired_jwt_is_rejected_by_the_stand_in(
    make_client: MakeClient, github: GitHubStandin, clock: FakeClock
) -> None:
    # A server clock 20 minutes behind GitHub's: the JWT is expired on arrival.
    github.clock = lambda: clock.now + 1200
    client = make_client()
    with pytest.raises(GitHubAuthFailed, match="check GITHUB_APP_ID") as raised:
        client.installation_token(ACME)
    assert "'exp'" in str(raised.value)


def test_token_cache_invalidate_only_drops_the_named_token(clock: FakeClock) -> None:
    cache = TokenCache(clock=clock.time)
    tokens = iter(["a", "b"])
    cache.get(1, lambda i: InstallationToken(i, next(tokens), clock.now + 3600))
    cache.invalidate(1, "stale")
    assert cache.get(1, lambda i: InstallationToken(i, "never", 0)).token == "a"
    cache.invalidate(1, "a")
    assert cache.get(1, lambda i: InstallationToken(i, next(tokens), clock.now + 3600)).token == "b"

"""Start-up validation of the GitHub App settings: one clear line per problem."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from bastion.github.client import GitHubClient
from bastion.github.settings import (
    GitHubConfigError,
    GitHubSettings,
    validate_github_settings,
)
from tests.github.conftest import ACME
from tests.support.github_standin import APP_ID, GitHubStandin

ENV = ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET", "GITHUB_API_URL")


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*ENV, "SCAN_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def good_env(env: pytest.MonkeyPatch, github_app_key: rsa.RSAPrivateKey) -> pytest.MonkeyPatch:
    env.setenv("GITHUB_APP_ID", str(APP_ID))
    env.setenv("GITHUB_PRIVATE_KEY", b64(pem(github_app_key)))
    env.setenv("GITHUB_WEBHOOK_SECRET", "s3cret")
    return env


def problems_with(env: pytest.MonkeyPatch, name: str, value: str) -> list[str]:
    env.setenv(name, value)
    return validate_github_settings()


def test_complete_settings_have_no_problems(good_env: pytest.MonkeyPatch) -> None:
    assert validate_github_settings() == []
    settings = GitHubSettings()
    assert settings.resolved_api_url() == "https://api.github.com"
    credentials = settings.credentials()
    assert credentials.app_id == APP_ID
    assert credentials.private_key.key_size == 2048


def test_missing_settings_are_each_reported(env: pytest.MonkeyPatch) -> None:
    assert validate_github_settings() == [
        "GITHUB_APP_ID is not set: use the numeric App ID shown on the GitHub App's settings page",
        "GITHUB_PRIVATE_KEY is not set: it must hold the base64 of the App's private key PEM "
        "(base64 -w0 your-app.private-key.pem)",
        "GITHUB_WEBHOOK_SECRET is not set: webhook deliveries could not be verified (use the "
        "secret entered in the GitHub App's webhook settings)",
    ]
    with pytest.raises(GitHubConfigError) as raised:
        GitHubSettings().credentials()
    assert len(raised.value.problems) == 2


@pytest.mark.parametrize("value", ["abc", "0", "-5", "12.5", "١٢"])
def test_app_id_must_be_a_positive_integer(good_env: pytest.MonkeyPatch, value: str) -> None:
    assert problems_with(good_env, "GITHUB_APP_ID", value) == [
        f"GITHUB_APP_ID must be a positive integer (the App ID), got {value!r}"
    ]


def test_base64_may_be_wrapped(
    good_env: pytest.MonkeyPatch, github_app_key: rsa.RSAPrivateKey
) -> None:
    encoded = b64(pem(github_app_key))
    wrapped = "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    assert problems_with(good_env, "GITHUB_PRIVATE_KEY", wrapped + "\n") == []


def test_pkcs1_key_as_github_generates_it(
    good_env: pytest.MonkeyPatch, github_app_key: rsa.RSAPrivateKey
) -> None:
    pkcs1 = github_app_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    assert pkcs1.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert problems_with(good_env, "GITHUB_PRIVATE_KEY", b64(pkcs1)) == []


def _key_cases(key: rsa.RSAPrivateKey) -> list[tuple[str, str]]:
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    broken = b"-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----\n"
    return [
        (pem(key).decode(), "holds a PEM file itself"),
        ("%%% not base64 %%%", "is not valid base64"),
        ("aGVsbG8=x", "is not valid base64"),
        (b64(b"just some text"), "does not decode to a PEM file"),
        (b64(public), "decodes to a public key or certificate"),
        (b64(encrypted), "passphrase-protected"),
        (b64(broken), "not a readable private key"),
        (b64(pem(ec.generate_private_key(ec.SECP256R1()))), "an EC private key"),
        (b64(pem(ed25519.Ed25519PrivateKey.generate())), "an Ed25519 private key"),
    ]


def test_private_key_problems(
    good_env: pytest.MonkeyPatch, github_app_key: rsa.RSAPrivateKey
) -> None:
    for value, message in _key_cases(github_app_key):
        problems = problems_with(good_env, "GITHUB_PRIVATE_KEY", value)
        assert len(problems) == 1, value
        assert problems[0].startswith("GITHUB_PRIVATE_KEY ")
        assert message in problems[0]
        assert value.strip() not in problems[0]  # a secret is never echoed


@pytest.mark.parametrize(
    ("name", "value"),
    [("GITHUB_API_URL", "api.github.com"), ("GITHUB_API_URL", "ftp://ghe"), ("SCAN_BASE_URL", "x")],
)
def test_urls_must_be_http(good_env: pytest.MonkeyPatch, name: str, value: str) -> None:
    assert problems_with(good_env, name, value) == [
        f"{name} must be an http(s) URL such as https://example.com, got {value!r}"
    ]


def test_client_from_settings_talks_to_the_configured_api(
    good_env: pytest.MonkeyPatch, github: GitHubStandin
) -> None:
    good_env.setenv("GITHUB_API_URL", github.url + "/")
    with GitHubClient.from_settings(GitHubSettings()) as client:
        client.check_installation(ACME, "acme", "npm-app")
    assert github.calls_to("/installation$")

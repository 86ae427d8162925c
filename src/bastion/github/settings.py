"""GitHub App configuration (SPEC §5), checked once at start-up with one line per problem.

Fields are read as plain strings so that a bad value never raises at construction:
:func:`validate_github_settings` reports every problem at once, and the server refuses
to start with that list instead of failing on the first request.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_URL = "https://api.github.com"
_KEY_HINT = "base64 -w0 your-app.private-key.pem"


class GitHubConfigError(ValueError):
    """The GitHub settings are unusable; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class AppCredentials:
    app_id: int
    private_key: RSAPrivateKey


class GitHubSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    app_id: str | None = Field(default=None, validation_alias="GITHUB_APP_ID")
    private_key: SecretStr | None = Field(default=None, validation_alias="GITHUB_PRIVATE_KEY")
    webhook_secret: SecretStr | None = Field(default=None, validation_alias="GITHUB_WEBHOOK_SECRET")
    api_url: str = Field(default=DEFAULT_API_URL, validation_alias="GITHUB_API_URL")
    scan_base_url: str | None = Field(default=None, validation_alias="SCAN_BASE_URL")

    def resolved_api_url(self) -> str:
        return (self.api_url.strip() or DEFAULT_API_URL).rstrip("/")

    def problems(self) -> list[str]:
        problems: list[str] = []
        _parse_app_id(self.app_id, problems)
        _parse_private_key(self.private_key, problems)
        if self.webhook_secret is None or not self.webhook_secret.get_secret_value().strip():
            problems.append(
                "GITHUB_WEBHOOK_SECRET is not set: webhook deliveries could not be verified "
                "(use the secret entered in the GitHub App's webhook settings)"
            )
        problem = _url_problem("GITHUB_API_URL", self.resolved_api_url())
        if problem:
            problems.append(problem)
        if self.scan_base_url:
            problem = _url_problem("SCAN_BASE_URL", self.scan_base_url.strip())
            if problem:
                problems.append(problem)
        return problems

    def credentials(self) -> AppCredentials:
        """The App id and its RSA key; raises :class:`GitHubConfigError` listing problems."""
        problems: list[str] = []
        app_id = _parse_app_id(self.app_id, problems)
        key = _parse_private_key(self.private_key, problems)
        if app_id is None or key is None:
            raise GitHubConfigError(problems)
        return AppCredentials(app_id, key)


@lru_cache(maxsize=1)
def get_github_settings() -> GitHubSettings:
    """The process's GitHub settings, read from the environment on first use."""
    return GitHubSettings()


def validate_github_settings(settings: GitHubSettings | None = None) -> list[str]:
    """Every problem with the GitHub configuration, one line each; empty when usable."""
    return (settings if settings is not None else GitHubSettings()).problems()


def _parse_app_id(raw: str | None, problems: list[str]) -> int | None:
    value = (raw or "").strip()
    if not value:
        problems.append(
            "GITHUB_APP_ID is not set: use the numeric App ID shown on the GitHub App's "
            "settings page"
        )
        return None
    if not value.isascii() or not value.isdigit() or int(value) <= 0:
        problems.append(f"GITHUB_APP_ID must be a positive integer (the App ID), got {value!r}")
        return None
    return int(value)


def _parse_private_key(raw: SecretStr | None, problems: list[str]) -> RSAPrivateKey | None:
    # Never quote the value in a message: it is a secret.
    text = raw.get_secret_value().strip() if raw is not None else ""
    if not text:
        problems.append(
            "GITHUB_PRIVATE_KEY is not set: it must hold the base64 of the App's private key "
            f"PEM ({_KEY_HINT})"
        )
        return None
    if text.startswith("-----BEGIN"):
        problems.append(
            "GITHUB_PRIVATE_KEY holds a PEM file itself; set it to the base64 of the PEM "
            f"({_KEY_HINT})"
        )
        return None
    try:
        # `base64` wraps its output at 76 columns unless told not to: accept the line breaks.
        pem = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        problems.append(
            "GITHUB_PRIVATE_KEY is not valid base64: it must be the base64 of the PEM "
            f"({_KEY_HINT})"
        )
        return None
    if b"-----BEGIN" not in pem:
        problems.append(
            "GITHUB_PRIVATE_KEY is base64 but does not decode to a PEM file "
            "(no '-----BEGIN' line): encode the .pem file GitHub generated"
        )
        return None
    if b"PUBLIC KEY-----" in pem or b"CERTIFICATE-----" in pem:
        problems.append(
            "GITHUB_PRIVATE_KEY decodes to a public key or certificate; the App needs its "
            "private key (the .pem file GitHub generated)"
        )
        return None
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError:
        problems.append(
            "GITHUB_PRIVATE_KEY decodes to a passphrase-protected key; use the unencrypted "
            ".pem file GitHub generated"
        )
        return None
    except (ValueError, UnsupportedAlgorithm):
        problems.append(
            "GITHUB_PRIVATE_KEY decodes to a PEM file that is not a readable private key"
        )
        return None
    if not isinstance(key, RSAPrivateKey):
        problems.append(
            f"GITHUB_PRIVATE_KEY decodes to {_kind(key)} private key; GitHub App keys are RSA"
        )
        return None
    return key


def _kind(key: object) -> str:
    for cls, kind in (
        (ec.EllipticCurvePrivateKey, "an EC"),
        (ed25519.Ed25519PrivateKey, "an Ed25519"),
        (ed448.Ed448PrivateKey, "an Ed448"),
        (dsa.DSAPrivateKey, "a DSA"),
    ):
        if isinstance(key, cls):
            return kind
    return "a non-RSA"


def _url_problem(name: str, value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{name} must be an http(s) URL such as https://example.com, got {value!r}"
    return None

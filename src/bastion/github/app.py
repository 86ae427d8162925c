"""GitHub App authentication: the App's own JWT and cached installation access tokens.

GitHub's rules: the JWT is RS256-signed, ``iss`` is the App id, and ``exp`` may be at most
10 minutes after GitHub's clock; ``iat`` is set 60 s in the past so that a server clock
running slightly ahead of GitHub's is still accepted. Installation tokens live one hour;
they are reused until shortly before they expire so that one scan never starts with a
token that dies half-way through a download.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

Clock = Callable[[], float]

JWT_BACKDATE_SECONDS = 60
# 9 minutes, not 10: GitHub measures against its own clock, ours may run ahead.
JWT_LIFETIME_SECONDS = 9 * 60
TOKEN_REFRESH_MARGIN_SECONDS = 5 * 60


class AppAuth:
    """Signs App JWTs with the App's private key (PEM bytes/str or a loaded RSA key)."""

    def __init__(
        self, app_id: int, private_key: RSAPrivateKey | bytes | str, *, clock: Clock = time.time
    ) -> None:
        if isinstance(private_key, str):
            private_key = private_key.encode()
        if isinstance(private_key, bytes):
            loaded = serialization.load_pem_private_key(private_key, password=None)
            if not isinstance(loaded, RSAPrivateKey):
                raise ValueError("GitHub App private keys are RSA keys")
            private_key = loaded
        self.app_id = app_id
        self._key = private_key
        self._clock = clock

    def jwt(self) -> str:
        now = int(self._clock())
        claims = {
            "iat": now - JWT_BACKDATE_SECONDS,
            "exp": now + JWT_LIFETIME_SECONDS,
            # A string: GitHub accepts both, and PyJWT's verifier insists on a string.
            "iss": str(self.app_id),
        }
        return jwt.encode(claims, self._key, algorithm="RS256")


@dataclass(frozen=True)
class InstallationToken:
    installation_id: int
    token: str
    expires_at: float  # Unix time


class TokenCache:
    """Installation tokens per installation, refreshed ``refresh_margin`` s before expiry.

    Thread-safe, and concurrent callers for the same installation wait for one fetch
    instead of each asking GitHub for a token.
    """

    def __init__(
        self, *, clock: Clock = time.time, refresh_margin: float = TOKEN_REFRESH_MARGIN_SECONDS
    ) -> None:
        self._clock = clock
        self._margin = refresh_margin
        self._lock = threading.Lock()
        self._tokens: dict[int, InstallationToken] = {}
        self._fetch_locks: dict[int, threading.Lock] = {}

    def _fresh(self, installation_id: int) -> InstallationToken | None:
        token = self._tokens.get(installation_id)
        if token is not None and self._clock() < token.expires_at - self._margin:
            return token
        return None

    def get(
        self, installation_id: int, fetch: Callable[[int], InstallationToken]
    ) -> InstallationToken:
        with self._lock:
            token = self._fresh(installation_id)
            if token is not None:
                return token
            fetch_lock = self._fetch_locks.setdefault(installation_id, threading.Lock())
        with fetch_lock:
            with self._lock:
                token = self._fresh(installation_id)
            if token is not None:
                return token  # another thread fetched it while we waited
            token = fetch(installation_id)
            with self._lock:
                self._tokens[installation_id] = token
            return token

    def invalidate(self, installation_id: int, token: str | None = None) -> None:
        """Forget the cached token (only if it is still ``token``, when given)."""
        with self._lock:
            cached = self._tokens.get(installation_id)
            if cached is not None and (token is None or cached.token == token):
                del self._tokens[installation_id]

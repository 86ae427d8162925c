"""``X-Hub-Signature-256``: ``sha256=`` and the hex HMAC-SHA256 of the raw body under the
webhook secret (GitHub's "Validating webhook deliveries")."""

from __future__ import annotations

import hashlib
import hmac
import re

PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


def sign(secret: bytes, body: bytes) -> str:
    """The header value GitHub sends for ``body``."""
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def signature_matches(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is GitHub's signature of ``body``; False for anything malformed.

    The comparison takes the same time wherever the digests differ, so an attacker cannot
    find the signature byte by byte from response times.
    """
    if not secret or header is None:
        return False
    header = header.strip()
    if not header.startswith(PREFIX):
        return False
    digest = header[len(PREFIX) :]
    if not _HEX_DIGEST.fullmatch(digest):
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest.lower())

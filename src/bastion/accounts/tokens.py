"""API token format and hashing.

A token reads ``bst_<prefix>_<secret>``: the prefix (8 lowercase letters and digits) is
stored in clear to find the row; the secret is 32 random bytes. Only the SHA-256 of the
whole token is stored. A fast unsalted hash is enough because the secret is random and
long (256 bits): there is no dictionary to try, unlike passwords, and a hash per request
keeps authentication cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

TOKEN_PREFIX = "bst_"
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_PREFIX_LENGTH = 8
_TOKEN = re.compile(r"^bst_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class NewToken:
    token: str  # shown once, never stored
    prefix: str
    token_hash: str


def generate() -> NewToken:
    prefix = "".join(secrets.choice(_ALPHABET) for _ in range(_PREFIX_LENGTH))
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return NewToken(token, prefix, hash_token(token))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_prefix(token: str) -> str | None:
    """The lookup prefix of a well-formed token, else None (no database query needed)."""
    match = _TOKEN.match(token.strip())
    return match.group(1) if match else None


def matches(token: str, token_hash: str) -> bool:
    # Constant time, so response timing says nothing about how much of a hash matched.
    return hmac.compare_digest(hash_token(token.strip()), token_hash)

"""Secrets kept at rest (DAST targets' authentication headers), encrypted with Fernet.

The key is ``BASTION_SECRET_KEY`` (a Fernet key: URL-safe base64 of 32 bytes) or, when
unset, one generated on first use into ``<data dir>/secret.key`` (mode 0600). Several
comma-separated keys rotate: the first encrypts, every one decrypts. Servers and workers
that share a database must share the key: set it explicitly when they do not share the
data directory (Celery workers on other machines).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bastion.errors import BastionError

log = logging.getLogger(__name__)

SECRET_KEY_VARIABLE = "BASTION_SECRET_KEY"
KEY_FILE_NAME = "secret.key"


class SecretKeyError(BastionError):
    code = "invalid_configuration"
    status_code = 500
    default_message = f"{SECRET_KEY_VARIABLE} is not a valid key"


class SecretUnreadable(BastionError):
    code = "secret_unreadable"
    status_code = 500
    default_message = (
        f"A stored secret cannot be decrypted: was {SECRET_KEY_VARIABLE} changed?"
        " Keep the old key after the new one (comma-separated) while rotating"
    )


class SecretBox:
    """Encrypts and decrypts small secrets; the ciphertext is ASCII text."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise SecretKeyError(f"{SECRET_KEY_VARIABLE}: no key given")
        fernets = []
        for index, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                raise SecretKeyError(
                    f"{SECRET_KEY_VARIABLE}: key {index} is not a Fernet key (URL-safe base64"
                    " of 32 bytes); make one with: python -c 'from cryptography.fernet import"
                    " Fernet; print(Fernet.generate_key().decode())'"
                ) from None
        self._fernet = MultiFernet(fernets)

    @classmethod
    def from_setting(cls, secret_key: str | None, data_dir: Path) -> SecretBox:
        """From ``BASTION_SECRET_KEY`` when set, else from (or into) the key file."""
        if secret_key is not None and secret_key.strip():
            keys = [part.strip().encode() for part in secret_key.split(",") if part.strip()]
            return cls(keys)
        return cls([load_or_create_key_file(data_dir / KEY_FILE_NAME)])

    def encrypt(self, plaintext: bytes) -> str:
        return self._fernet.encrypt(plaintext).decode("ascii")

    def decrypt(self, token: str) -> bytes:
        try:
            return self._fernet.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise SecretUnreadable() from None


def load_or_create_key_file(path: Path) -> bytes:
    """The key in ``path``, written there first (readable by this user only) if absent.

    Created with O_EXCL, so of two processes starting at once one writes and the other
    reads what it wrote.
    """
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        key = b""
    except OSError as exc:
        raise SecretKeyError(f"{path}: cannot read the secret key", detail=str(exc)) from exc
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_written_key(path)
    except OSError as exc:
        raise SecretKeyError(f"{path}: cannot create the secret key", detail=str(exc)) from exc
    with os.fdopen(fd, "wb") as file:
        file.write(key + b"\n")
    log.info("generated a secret key in %s; back it up with the database", path)
    return key


def _read_written_key(path: Path) -> bytes:
    # The other process may not have written its key yet: it does so right after creating
    # the file, so a few short waits suffice.
    for _ in range(50):
        key = path.read_bytes().strip()
        if key:
            return key
        time.sleep(0.01)
    raise SecretKeyError(f"{path}: the secret key file is empty")

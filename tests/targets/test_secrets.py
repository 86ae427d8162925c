"""Fernet secrets at rest: the configured key, the generated key file, rotation, and
clear errors for a bad key or a key that no longer matches."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bastion.secrets import KEY_FILE_NAME, SecretBox, SecretKeyError, SecretUnreadable


def test_a_configured_key_round_trips_and_hides_the_plaintext(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    box = SecretBox.from_setting(key, tmp_path)
    token = box.encrypt(b"Bearer s3cret")
    assert "s3cret" not in token
    assert token.isascii()
    assert SecretBox.from_setting(f" {key} ", tmp_path).decrypt(token) == b"Bearer s3cret"
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_without_a_key_one_is_generated_once_into_a_private_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    token = SecretBox.from_setting(None, data_dir).encrypt(b"x")
    key_file = data_dir / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # The next process reads the same key.
    assert SecretBox.from_setting("", data_dir).decrypt(token) == b"x"
    assert SecretBox.from_setting(None, data_dir).decrypt(token) == b"x"


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    boxes: list[SecretBox] = []
    threads = [
        threading.Thread(target=lambda: boxes.append(SecretBox.from_setting(None, tmp_path)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    token = boxes[0].encrypt(b"same")
    assert all(box.decrypt(token) == b"same" for box in boxes)


def test_keys_rotate_new_first_old_after(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = SecretBox.from_setting(old, tmp_path).encrypt(b"kept")
    rotated = SecretBox.from_setting(f"{new},{old}", tmp_path)
    assert rotated.decrypt(stored) == b"kept"
    assert SecretBox.from_setting(new, tmp_path).decrypt(rotated.encrypt(b"n")) == b"n"


# A real key cut short; fixed, so every test worker collects the same parameters.
@pytest.mark.parametrize(
    "key", ["not-a-key", "c2hvcnQ=", "gz97MH8IjTI2nIiTcq-35x_hhqHWDA3oA_Ri-r0K"]
)
def test_a_malformed_key_is_a_clear_configuration_error(tmp_path: Path, key: str) -> None:
    with pytest.raises(SecretKeyError) as caught:
        SecretBox.from_setting(key, tmp_path)
    assert caught.value.message.startswith("BASTION_SECRET_KEY: key 1 is not a Fernet key")
    assert key not in caught.value.message


def test_a_secret_under_another_key_is_reported_not_garbled(tmp_path: Path) -> None:
    stored = SecretBox([Fernet.generate_key()]).encrypt(b"x")
    with pytest.raises(SecretUnreadable, match="BASTION_SECRET_KEY changed"):
        SecretBox([Fernet.generate_key()]).decrypt(stored)
    with pytest.raises(SecretUnreadable):
        SecretBox([Fernet.generate_key()]).decrypt("not a token ü")

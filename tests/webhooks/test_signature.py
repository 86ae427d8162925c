"""X-Hub-Signature-256 verification: exactly the signatures GitHub computes pass."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bastion.webhooks.signature import sign, signature_matches

secrets = st.binary(min_size=1, max_size=64)
bodies = st.binary(max_size=2048)


def test_githubs_documented_example() -> None:
    # From GitHub's "Validating webhook deliveries".
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign(b"It's a Secret to Everybody", b"Hello, World!") == header
    assert signature_matches(b"It's a Secret to Everybody", b"Hello, World!", header)
    assert not signature_matches(b"It's a Secret to Everybody", b"Hello, World?", header)


@given(secret=secrets, body=bodies)
def test_the_signature_of_a_body_verifies(secret: bytes, body: bytes) -> None:
    header = sign(secret, body)
    assert signature_matches(secret, body, header)
    # GitHub writes lowercase hex; the same digest in capitals, or padded, is still it.
    assert signature_matches(secret, body, "sha256=" + header[7:].upper())
    assert signature_matches(secret, body, f" {header}\t")


@given(secret=secrets, body=bodies, other=secrets, tampered=bodies)
def test_another_body_or_secret_never_verifies(
    secret: bytes, body: bytes, other: bytes, tampered: bytes
) -> None:
    header = sign(secret, body)
    if tampered != body:
        assert not signature_matches(secret, tampered, header)
    if other != secret:
        # HMAC pads short keys with zeros: b"k" and b"k\0" are the same key.
        assume(other.rstrip(b"\0") != secret.rstrip(b"\0"))
        assert not signature_matches(other, body, header)


@given(
    secret=secrets,
    body=bodies,
    position=st.integers(0, 63),
    digit=st.sampled_from("0123456789abcdef"),
)
def test_any_changed_digit_fails(secret: bytes, body: bytes, position: int, digit: str) -> None:
    header = sign(secret, body)
    digest = header[7:]
    assume(digest[position] != digit)
    changed = digest[:position] + digit + digest[position + 1 :]
    assert not signature_matches(secret, body, "sha256=" + changed)


@given(secret=secrets, body=bodies, header=st.one_of(st.none(), st.text(max_size=100)))
def test_arbitrary_headers_verify_only_when_they_are_the_signature(
    secret: bytes, body: bytes, header: str | None
) -> None:
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    verdict = signature_matches(secret, body, header)
    assert verdict == (header is not None and header.strip().lower() == f"sha256={expected}")


@pytest.mark.parametrize(
    "header",
    [
        "",
        "sha256=",
        "sha1=757107ea0eb2509fc211221cce984b8a37570b6d",
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17 extra",
        "SHA256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    ],
)
def test_malformed_headers_fail(header: str) -> None:
    assert not signature_matches(b"It's a Secret to Everybody", b"Hello, World!", header)


def test_no_secret_verifies_nothing() -> None:
    assert not signature_matches(b"", b"body", sign(b"", b"body"))

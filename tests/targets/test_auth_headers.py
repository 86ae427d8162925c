"""Authentication headers: what is accepted, how they are sealed, and how a Cookie
header becomes the scan's cookies."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from bastion.secrets import SecretBox
from bastion.targets.auth_headers import (
    MAX_HEADERS,
    check_auth_headers,
    seal,
    split_cookies,
    unseal,
)
from bastion.targets.errors import InvalidAuthHeaders


def test_headers_are_trimmed_and_kept_in_order() -> None:
    assert check_auth_headers({" Authorization ": " Bearer x ", "X-Api-Key": "k"}) == (
        ("Authorization", "Bearer x"),
        ("X-Api-Key", "k"),
    )


@pytest.mark.parametrize(
    ("headers", "says"),
    [
        ({"": "x"}, "not a valid header name"),
        ({"Bad Name": "x"}, "not a valid header name"),
        ({"X:Y": "x"}, "not a valid header name"),
        ({"Content-Length": "1"}, "set by the scanner itself"),
        ({"HOST": "evil.example"}, "set by the scanner itself"),
        ({"X-A": "a\nb"}, "line break"),
        ({"X-A": "a\rb"}, "line break"),
        ({"X-A": "a\0b"}, "line break"),
        ({"X-A": "a" * 8193}, "longer than 8192"),
        ({"X-A": "\ud800"}, "not valid text"),
        ({"X-Token": "1", "x-token": "2"}, "given twice"),
        ({f"X-{n}": "v" for n in range(MAX_HEADERS + 1)}, f"at most {MAX_HEADERS}"),
    ],
)
def test_bad_headers_are_refused_without_echoing_values(headers: dict[str, str], says: str) -> None:
    with pytest.raises(InvalidAuthHeaders) as caught:
        check_auth_headers(headers)
    assert says in caught.value.message
    assert "evil.example" not in caught.value.message


@given(
    st.dictionaries(
        st.from_regex(r"X-[A-Za-z0-9-]{1,20}", fullmatch=True),
        st.text(st.characters(exclude_characters="\r\n\0", exclude_categories=["Cs"]), max_size=50),
        max_size=MAX_HEADERS,
    )
)
def test_valid_headers_survive_sealing(headers: dict[str, str]) -> None:
    lowered = {name.lower() for name in headers}
    if len(lowered) < len(headers):
        return  # the same name twice, differently cased: refused, tested above
    checked = check_auth_headers(headers)
    box = SecretBox([Fernet.generate_key()])
    assert unseal(box, seal(box, checked)) == checked


def test_a_cookie_header_becomes_cookies() -> None:
    headers, cookies = split_cookies(
        (("Authorization", "Bearer x"), ("Cookie", "session=abc; theme = dark; junk;"))
    )
    assert headers == (("Authorization", "Bearer x"),)
    assert cookies == (("session", "abc"), ("theme", "dark"))

"""A target's authentication headers: checked on creation, sealed with the instance key,
opened only by the scan job. Their names are kept in clear for the API to show."""

from __future__ import annotations

import re
from collections.abc import Mapping

import orjson

from bastion.dast.model import Headers
from bastion.secrets import SecretBox
from bastion.targets.errors import InvalidAuthHeaders

MAX_HEADERS = 20
MAX_VALUE_LENGTH = 8192
_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")
# Headers the HTTP client sets itself: a value here would break every request.
_RESERVED = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    }
)


def check_auth_headers(headers: Mapping[str, str]) -> Headers:
    """``{"Authorization": "Bearer …"}`` as ``(name, value)`` pairs; raises
    :class:`InvalidAuthHeaders` naming the first problem (never quoting a value)."""
    if len(headers) > MAX_HEADERS:
        raise InvalidAuthHeaders(f"authHeaders: at most {MAX_HEADERS} headers")
    seen: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for raw_name, raw_value in headers.items():
        name = raw_name.strip()
        if not _NAME.match(name):
            raise InvalidAuthHeaders(f"authHeaders: {raw_name!r} is not a valid header name")
        if name.lower() in _RESERVED:
            raise InvalidAuthHeaders(f"authHeaders: {name} is set by the scanner itself")
        if name.lower() in seen:
            raise InvalidAuthHeaders(f"authHeaders: {name} is given twice")
        seen.add(name.lower())
        value = raw_value.strip()
        if any(c in value for c in "\r\n\0"):
            raise InvalidAuthHeaders(f"authHeaders: the value of {name} contains a line break")
        if not _is_text(value):
            raise InvalidAuthHeaders(f"authHeaders: the value of {name} is not valid text")
        if len(value) > MAX_VALUE_LENGTH:
            raise InvalidAuthHeaders(
                f"authHeaders: the value of {name} is longer than {MAX_VALUE_LENGTH} characters"
            )
        pairs.append((name, value))
    return tuple(pairs)


def _is_text(value: str) -> bool:
    """False for lone surrogates, which JSON escapes (``\\ud800``) can smuggle in."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def seal(box: SecretBox, headers: Headers) -> str:
    return box.encrypt(orjson.dumps([list(pair) for pair in headers]))


def unseal(box: SecretBox, sealed: str) -> Headers:
    pairs = orjson.loads(box.decrypt(sealed))
    return tuple((str(name), str(value)) for name, value in pairs)


def split_cookies(headers: Headers) -> tuple[Headers, Headers]:
    """(headers, cookies): a ``Cookie`` header becomes the scan's session cookies, which
    the client merges with the cookies the crawl collects (a second Cookie header would
    not be)."""
    plain: list[tuple[str, str]] = []
    cookies: list[tuple[str, str]] = []
    for name, value in headers:
        if name.lower() != "cookie":
            plain.append((name, value))
            continue
        for part in value.split(";"):
            cookie_name, sep, cookie_value = part.strip().partition("=")
            if sep and cookie_name.strip():
                cookies.append((cookie_name.strip(), cookie_value.strip()))
    return tuple(plain), tuple(cookies)

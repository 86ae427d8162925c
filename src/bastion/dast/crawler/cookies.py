"""The cookies the target sets, kept by name for every later request.

Deliberately not a browser jar: Secure, Domain and Path are ignored, because staging sites
often run on plain HTTP or under another host name, and a cookie the scan does not send
back is a session it loses. Only expiry is honoured (a cookie the app deletes is gone).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from bastion.dast.model import Headers, HttpResponse

_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 6265 token


class SessionCookies:
    def __init__(self, initial: Headers = ()) -> None:
        self._values: dict[str, str] = dict(initial)

    def update(self, response: HttpResponse) -> None:
        for header in response.header_values("set-cookie"):
            self.set_cookie(header)

    def set_cookie(self, header: str) -> None:
        """Apply one ``Set-Cookie`` header value; malformed ones are ignored."""
        pair, *attributes = header.split(";")
        name, eq, value = pair.partition("=")
        name = name.strip()
        if not eq or not _NAME.fullmatch(name):
            return
        if _expired(attributes):
            self._values.pop(name, None)
        else:
            self._values[name] = value.strip()

    def get(self, name: str) -> str | None:
        return self._values.get(name)

    def pairs(self) -> Headers:
        return tuple(self._values.items())

    def merged(self, own: Headers) -> Headers:
        """``own`` cookies first (a request's own values win), then the jar's others."""
        names = {name for name, _ in own}
        return (*own, *((n, v) for n, v in self._values.items() if n not in names))

    def __len__(self) -> int:
        return len(self._values)


def _expired(attributes: list[str]) -> bool:
    """Max-Age wins over Expires (RFC 6265 §5.3); unparseable values are ignored."""
    found: dict[str, str] = {}
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        found.setdefault(key.strip().lower(), value.strip())
    if "max-age" in found:
        try:
            return int(found["max-age"]) <= 0
        except ValueError:
            pass
    if "expires" in found:
        try:
            when = parsedate_to_datetime(found["expires"])
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when < datetime.now(UTC)
    return False

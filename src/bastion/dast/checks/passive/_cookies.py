"""``Set-Cookie`` parsing as browsers do it (RFC 6265 §5.2): the name-value pair up to the
first ``;``, then attributes whose names are case-insensitive, the last one of a name
winning. Whatever does not parse is no cookie (browsers ignore it too)."""

from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from bastion.dast.checks.base import PassiveRule
from bastion.dast.model import DastFinding, Exchange, HttpResponse

SAMESITE_VALUES = frozenset({"strict", "lax", "none"})
_MAX_AGE = re.compile(r"-?[0-9]+")


@dataclass(frozen=True, slots=True)
class SetCookie:
    name: str
    value: str
    # (lower-case name, value) in header order.
    attributes: tuple[tuple[str, str], ...]

    def attribute(self, name: str) -> str | None:
        """The last value of an attribute, "" for a flag, None when absent."""
        found: str | None = None
        for key, value in self.attributes:
            if key == name:
                found = value
        return found

    @property
    def secure(self) -> bool:
        return self.attribute("secure") is not None

    @property
    def httponly(self) -> bool:
        return self.attribute("httponly") is not None

    @property
    def samesite(self) -> str | None:
        """``strict``, ``lax`` or ``none``; None when missing or not one of those (browsers
        then apply their default)."""
        value = (self.attribute("samesite") or "").strip().lower()
        return value if value in SAMESITE_VALUES else None

    def deletes(self, now: datetime) -> bool:
        """The header removes the cookie rather than setting it (an empty value, a
        Max-Age of zero or less, or an Expires date already past)."""
        if self.value == "":
            return True
        max_age = self.attribute("max-age")
        if max_age is not None and _MAX_AGE.fullmatch(max_age.strip()):
            return int(max_age.strip()) <= 0
        expires = self.attribute("expires")
        if expires:
            try:
                when = parsedate_to_datetime(expires.strip())
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return when < now
        return False

    def describe(self) -> str:
        """The header without the cookie's value, which may be a secret."""
        parts = [f"{self.name}=…"]
        for key, value in self.attributes:
            parts.append(f"{key}={value}" if value else key)
        return "; ".join(parts)


def parse_set_cookie(header: str) -> SetCookie | None:
    pair, *rest = header.split(";")
    name, equals, value = pair.partition("=")
    name = name.strip(" \t")
    if not equals or not name:
        return None
    attributes: list[tuple[str, str]] = []
    for item in rest:
        key, _, attribute_value = item.partition("=")
        key = key.strip(" \t").lower()
        if key:
            attributes.append((key, attribute_value.strip(" \t")))
    return SetCookie(name=name, value=value.strip(" \t"), attributes=tuple(attributes))


def set_cookies(response: HttpResponse, now: datetime | None = None) -> list[SetCookie]:
    """The cookies a response sets (deletions left out), one per name, the last header
    for a name winning as it does in the browser."""
    moment = now or datetime.now(UTC)
    cookies: dict[str, SetCookie] = {}
    for header in response.header_values("set-cookie"):
        cookie = parse_set_cookie(header)
        if cookie is None:
            continue
        if cookie.deletes(moment):
            cookies.pop(cookie.name, None)
        else:
            cookies[cookie.name] = cookie
    return list(cookies.values())


class CookieFlagRule(PassiveRule):
    """One finding per cookie a response sets without the flag this rule is about; the
    parameter is the cookie's name, so the engine keeps one per cookie and endpoint."""

    @abstractmethod
    def problem(self, cookie: SetCookie) -> str | None:
        """What is wrong with the cookie, or None when it is fine."""

    def check(self, exchange: Exchange) -> list[DastFinding]:
        findings: list[DastFinding] = []
        for cookie in set_cookies(exchange.response):
            problem = self.problem(cookie)
            if problem is not None:
                findings.append(
                    self.make_finding(
                        request=exchange.request,
                        parameter=cookie.name,
                        evidence=f"{problem}: Set-Cookie: {cookie.describe()}",
                    )
                )
        return findings

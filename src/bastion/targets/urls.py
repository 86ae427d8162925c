"""Target URLs: what a target (or its OpenAPI definition) may be fetched from, and the
normalised key that makes the same target twice in one organisation a conflict."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from bastion.dast.policy import is_host_name
from bastion.targets.errors import InvalidTargetUrl

MAX_URL_LENGTH = 2048
_SCHEMES = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class TargetUrl:
    url: str  # as given, without surrounding spaces or a fragment
    key: str  # scheme and host lower-cased, IDNA host, default port and fragment dropped
    host: str  # ASCII, no IPv6 brackets: what the policy resolves


def parse_target_url(text: str, *, field: str = "url") -> TargetUrl:
    """Check an absolute http(s) URL with a host and no credentials, at most
    :data:`MAX_URL_LENGTH` characters. Raises :class:`InvalidTargetUrl` saying why."""
    url = text.strip().split("#", 1)[0]
    if not url:
        raise InvalidTargetUrl(f"{field} is empty")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidTargetUrl(f"{field} is longer than {MAX_URL_LENGTH} characters")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise InvalidTargetUrl(f"{field} contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidTargetUrl(f"{field} is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES or not url.lower().startswith(f"{scheme}://"):
        raise InvalidTargetUrl(f"{field} must be an absolute http:// or https:// URL")
    if "@" in parts.netloc:
        raise InvalidTargetUrl(
            f"{field} must not contain credentials: give them as authentication headers"
        )
    if port == 0:
        raise InvalidTargetUrl(f"{field} has an invalid port")
    host, host_in_url = _host(parts.netloc, parts.hostname or "", field)
    port_part = f":{port}" if port is not None and port != _SCHEMES[scheme] else ""
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return TargetUrl(url, f"{scheme}://{host_in_url}{port_part}{path}{query}", host)


def _host(netloc: str, hostname: str, field: str) -> tuple[str, str]:
    """The host as the policy sees it and as the key spells it; raises when it is no IP
    address and no valid DNS name (``2130706433``, ``a..b``, ``-x.com`` are refused)."""
    if not hostname:
        raise InvalidTargetUrl(f"{field} has no host")
    if netloc.startswith("["):
        try:
            address = ipaddress.IPv6Address(hostname)
        except ValueError:
            raise InvalidTargetUrl(f"{field} has an invalid IPv6 address") from None
        if address.scope_id:
            raise InvalidTargetUrl(f"{field}: IPv6 zone identifiers are not supported")
        return str(address), f"[{address}]"
    try:
        return str(ipaddress.IPv4Address(hostname)), hostname
    except ValueError:
        pass
    ascii_host = hostname
    if not hostname.isascii():
        try:
            # httpx's own IDNA encoding: the key spells the host as the scan will send it.
            ascii_host = httpx.URL(f"http://{hostname}/").raw_host.decode("ascii")
        except (httpx.InvalidURL, UnicodeError):
            raise InvalidTargetUrl(f"{field} has an invalid host name") from None
    ascii_host = ascii_host.removesuffix(".")
    if not is_host_name(ascii_host):
        raise InvalidTargetUrl(f"{field} has an invalid host name: {hostname!r}")
    return ascii_host, ascii_host

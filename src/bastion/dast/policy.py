"""Where a server-side app scan may connect (SPEC §5, ``BASTION_DAST_ALLOWED_NETWORKS``).

The server fetches URLs on behalf of its callers, so everything a scan reaches (the
target, a redirect's destination, an absolute link, an OpenAPI definition's URL) must
resolve to public addresses only: loopback, private, link-local, carrier-grade NAT,
multicast, reserved and cloud-metadata addresses are refused unless the instance's
allow-list permits them. A host is resolved once and its checked addresses are kept
(pinned) for the whole scan, so a DNS answer that changes meanwhile (rebinding) cannot
move the scan elsewhere. The CLI scans without a policy: its user is the one fetching.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bastion.errors import BastionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# host name -> its addresses, in the order connections should try them. Raises
# HostUnresolvable (or any OSError) when the name does not resolve.
Resolver = Callable[[str], Sequence[IPAddress]]

ALLOW_LIST_VARIABLE = "BASTION_DAST_ALLOWED_NETWORKS"

# Instance metadata services hand out cloud credentials: a network entry never allows
# them (allowing 169.254.0.0/16 for a link-local service must not expose them), only an
# entry naming the exact address does.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean…
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.170.23",  # AWS EKS pod identity
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS, IPv6
        "fd00:ec2::23",  # AWS EKS pod identity, IPv6
    )
)
# RFC 6598 shared address space: ipaddress calls it neither private nor global.
_CARRIER_GRADE_NAT = ipaddress.IPv4Network("100.64.0.0/10")
# RFC 6052 well-known NAT64 prefix: the last 32 bits are the IPv4 address reached.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_MAX_HOST_NAME = 253


class PolicyError(BastionError):
    """Base of the target policy's errors."""


class InvalidAllowList(PolicyError):
    code = "invalid_configuration"
    status_code = 500
    default_message = f"{ALLOW_LIST_VARIABLE} is not valid"


class TargetNotAllowed(PolicyError):
    code = "target_not_allowed"
    status_code = 400
    default_message = "The target resolves to an address this instance does not scan"


class HostUnresolvable(PolicyError):
    code = "target_unresolvable"
    status_code = 400
    default_message = "The target's host name does not resolve"


def restriction(address: IPAddress) -> str | None:
    """Why a scan may not reach ``address`` without the allow-list ("a loopback
    address"…), or None when it is a public address."""
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address):
        # Addresses that carry an IPv4 address are judged by it: ::ffff:127.0.0.1 is a
        # way to reach 127.0.0.1.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return restriction(embedded)
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address in _CARRIER_GRADE_NAT:
        return "a carrier-grade NAT address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def normalise_host(host: str) -> str:
    """The spelling hosts are compared in: lower case, no IPv6 brackets, no final dot."""
    return host.strip().lower().removeprefix("[").removesuffix("]").removesuffix(".")


def parse_address(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one (brackets allowed), else None."""
    try:
        return ipaddress.ip_address(normalise_host(host))
    except ValueError:
        return None


def is_host_name(text: str) -> bool:
    """A DNS name in ASCII (punycode for international names): dot-separated labels of
    letters, digits, ``-`` and ``_``, the last one not all digits."""
    name = text.lower().removesuffix(".")
    if not name or len(name) > _MAX_HOST_NAME:
        return False
    labels = name.split(".")
    return all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


@dataclass(frozen=True, slots=True)
class AllowList:
    """The addresses and host names a scan may reach although they are not public."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """``BASTION_DAST_ALLOWED_NETWORKS``: comma-separated CIDRs (``10.0.0.0/8``,
        ``fd00::/8``), single addresses and host names. Raises :class:`InvalidAllowList`
        naming the first entry that is none of these."""
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for raw in text.split(","):
            entry = raw.strip()
            if not entry:
                continue
            network = _parse_network(entry)
            if network is not None:
                networks.append(network)
            elif is_host_name(entry):
                hosts.add(normalise_host(entry))
            else:
                raise InvalidAllowList(
                    f"{ALLOW_LIST_VARIABLE}: {entry!r} is {_misfit(entry)}; use CIDRs"
                    " (10.0.0.0/8), addresses (192.168.1.5, ::1) or host names"
                    " (staging.internal), separated by commas"
                )
        return cls(tuple(dict.fromkeys(networks)), frozenset(hosts))

    def names_address(self, address: IPAddress) -> bool:
        """Whether an entry is exactly this one address (what metadata addresses need)."""
        return any(
            net.num_addresses == 1 and net.network_address == address for net in self.networks
        )

    def covers(self, address: IPAddress) -> bool:
        return any(address in net for net in self.networks)

    def __str__(self) -> str:
        return ", ".join([*(str(n) for n in self.networks), *sorted(self.hosts)])


def _parse_network(entry: str) -> IPNetwork | None:
    """A CIDR or single address, None when ``entry`` looks like neither. A CIDR with host
    bits set (``10.0.0.1/8``) is an error, not a guess."""
    text = entry
    if text.startswith("[") and "]" in text:
        address, _, rest = text[1:].partition("]")
        text = address + rest
    if parse_address(text.partition("/")[0]) is None:
        return None
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        if "/" not in text:
            raise InvalidAllowList(
                f"{ALLOW_LIST_VARIABLE}: {entry!r} is not a valid address ({exc})"
            ) from None
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise InvalidAllowList(
                f"{ALLOW_LIST_VARIABLE}: {entry!r} is not a valid network ({exc})"
            ) from None
        raise InvalidAllowList(
            f"{ALLOW_LIST_VARIABLE}: {entry!r} has host bits set; did you mean {loose}?"
        ) from None


def _misfit(entry: str) -> str:
    if "://" in entry or "/" in entry:
        return "not an address, network or host name (no URLs or paths)"
    if "*" in entry:
        return "a wildcard, which is not supported (list each host name)"
    if ":" in entry:
        return "not an address, network or host name (no ports)"
    if not entry.isascii():
        return "not an ASCII host name (use its xn-- form)"
    return "neither an address, a network nor a host name"


def resolve_host(host: str) -> tuple[IPAddress, ...]:
    """The system resolver's addresses for ``host``, in its preferred order."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise HostUnresolvable(f"{host} does not resolve", detail=str(exc)) from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        try:
            address = ipaddress.ip_address(str(sockaddr[0]))
        except ValueError:
            continue
        if address not in addresses:
            addresses.append(address)
    return tuple(addresses)


@dataclass(frozen=True, slots=True)
class PinnedHost:
    """A host and the checked addresses every connection to it uses, in order."""

    host: str
    addresses: tuple[IPAddress, ...]

    def describe(self) -> str:
        return ", ".join(str(a) for a in self.addresses)


class TargetPolicy:
    """Decides whether a host may be scanned, resolving it with ``resolver``.

    Host names on the allow-list allow that name, whatever it resolves to, and the
    addresses it resolves to for any URL (``localhost`` allows ``http://127.0.0.1/``).
    Those names are resolved at most once per policy: make one policy per scan.
    """

    def __init__(self, allow: AllowList | None = None, *, resolver: Resolver = resolve_host):
        self.allow = allow or AllowList()
        self.resolver = resolver
        self._allowed_by_name: frozenset[IPAddress] | None = None
        self._lock = threading.Lock()

    def pin(self, host: str) -> PinnedHost:
        """Resolve ``host`` once and check every address; raises
        :class:`TargetNotAllowed` or :class:`HostUnresolvable`."""
        name = normalise_host(host)
        literal = parse_address(name)
        if literal is not None:
            addresses: tuple[IPAddress, ...] = (literal,)
        else:
            if not name:
                raise HostUnresolvable("The URL has no host")
            addresses = self._resolve(name)
        for address in addresses:
            self.check(name, address)
        return PinnedHost(name, addresses)

    def check(self, host: str, address: IPAddress) -> None:
        """Raise :class:`TargetNotAllowed` unless ``host`` may be reached at ``address``."""
        reason = restriction(address)
        if reason is None:
            return
        name = normalise_host(host)
        if address in METADATA_ADDRESSES:
            if self.allow.names_address(address):
                return
        elif (
            self.allow.covers(address)
            or name in self.allow.hosts
            or address in self._addresses_of_allowed_names()
        ):
            return
        where = str(address) if parse_address(name) == address else f"{name} resolves to {address}"
        hint = (
            ""
            if address in METADATA_ADDRESSES
            else f"; an administrator can allow it in {ALLOW_LIST_VARIABLE}"
        )
        raise TargetNotAllowed(f"{where}, {reason}, which this instance does not scan{hint}")

    def _resolve(self, name: str) -> tuple[IPAddress, ...]:
        try:
            addresses = tuple(dict.fromkeys(self.resolver(name)))
        except HostUnresolvable:
            raise
        except (OSError, UnicodeError) as exc:
            raise HostUnresolvable(f"{name} does not resolve", detail=str(exc)) from exc
        if not addresses:
            raise HostUnresolvable(f"{name} does not resolve")
        return addresses

    def _addresses_of_allowed_names(self) -> frozenset[IPAddress]:
        if self._allowed_by_name is None:
            with self._lock:
                if self._allowed_by_name is None:
                    found: set[IPAddress] = set()
                    for name in sorted(self.allow.hosts):
                        try:
                            found.update(self.resolver(name))
                        except (PolicyError, OSError, UnicodeError):
                            continue  # an allowed name that does not resolve allows nothing
                    self._allowed_by_name = frozenset(found)
        return self._allowed_by_name


class ConnectPolicy:
    """What one scan's connections may reach: the hosts pinned before it started, and
    any other host resolved and checked on its first connection, then kept (refusals
    too) for the rest of the scan. Thread-safe; lookups block on DNS."""

    def __init__(self, policy: TargetPolicy, pinned: Iterable[PinnedHost] = ()) -> None:
        self.policy = policy
        self._hosts: dict[str, PinnedHost | PolicyError] = {p.host: p for p in pinned}
        self._lock = threading.Lock()

    def addresses(self, host: str) -> tuple[IPAddress, ...]:
        """The addresses to connect to for ``host``; raises :class:`PolicyError`."""
        name = normalise_host(host)
        known = self._hosts.get(name)
        if known is None:
            # One lookup per host even when many connections open at once.
            with self._lock:
                known = self._hosts.get(name)
                if known is None:
                    try:
                        known = self.policy.pin(name)
                    except PolicyError as exc:
                        known = exc
                    self._hosts[name] = known
        if isinstance(known, PolicyError):
            raise known
        return known.addresses

"""The target policy: address classes, the allow-list, resolution and pinning, and its
enforcement in the scan's HTTP client against real loopback servers (127.0.0.1 and
127.0.0.2: all of 127/8 is loopback on Linux)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.crawler.client import TargetClient
from bastion.dast.crawler.errors import TargetError
from bastion.dast.engine.scan import run_scan
from bastion.dast.model import HttpRequest, ScanStats
from bastion.dast.options import DastOptions
from bastion.dast.policy import (
    AllowList,
    ConnectPolicy,
    HostUnresolvable,
    InvalidAllowList,
    IPAddress,
    TargetNotAllowed,
    TargetPolicy,
    is_host_name,
    resolve_host,
    restriction,
)
from tests.targets.support import FakeDns, serving

ip = ipaddress.ip_address


# -- address classes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.9", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("172.31.255.254", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd12:3456::1", "a private address"),
        ("fc00::1", "a private address"),
        ("169.254.1.1", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("fe80::1%eth0", "a link-local address"),
        ("100.64.0.1", "a carrier-grade NAT address"),
        ("100.127.255.254", "a carrier-grade NAT address"),
        ("224.0.0.1", "a multicast address"),
        ("239.255.255.250", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("255.255.255.255", "a reserved address"),
        ("0.0.0.0", "the unspecified address"),
        ("::", "the unspecified address"),
        ("0.1.2.3", "a private address"),  # "this network"
        ("192.0.2.1", "a private address"),  # documentation
        ("198.18.0.1", "a private address"),  # benchmarking
        ("2001:db8::1", "a private address"),  # documentation
        ("169.254.169.254", "a cloud metadata address"),
        ("169.254.170.2", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        # IPv6 spellings of IPv4 addresses are judged by the IPv4 address.
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("::ffff:169.254.169.254", "a cloud metadata address"),
        ("64:ff9b::a00:1", "a private address"),  # NAT64 of 10.0.0.1
        ("64:ff9b::7f00:1", "a loopback address"),  # NAT64 of 127.0.0.1
        ("2002:a00:1::1", "a private address"),  # 6to4 of 10.0.0.1
        ("2002:7f00:1::1", "a loopback address"),  # 6to4 of 127.0.0.1
    ],
)
def test_restricted_addresses_name_their_class(address: str, reason: str) -> None:
    assert restriction(ip(address)) == reason


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8",
     "64:ff9b::808:808", "2a00:1450:4001:80b::200e"],
)  # fmt: skip
def test_public_addresses_are_not_restricted(address: str) -> None:
    assert restriction(ip(address)) is None


@given(st.ip_addresses())
def test_restriction_judges_every_address(address: IPAddress) -> None:
    reason = restriction(address)
    if address.is_loopback or address.is_private or address.is_link_local:
        assert reason is not None
    if reason is None:
        assert address.is_global or getattr(address, "ipv4_mapped", None) is not None


# -- the allow-list ---------------------------------------------------------------------


def test_the_allow_list_takes_cidrs_addresses_and_host_names() -> None:
    allow = AllowList.parse(
        " 10.0.0.0/8, 192.168.1.5 ,fd00::/8, [::1], Staging.Internal., ,host_1.corp"
    )
    assert allow.networks == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.168.1.5/32"),
        ipaddress.ip_network("fd00::/8"),
        ipaddress.ip_network("::1/128"),
    )
    assert allow.hosts == {"staging.internal", "host_1.corp"}


def test_an_empty_allow_list_allows_nothing_restricted() -> None:
    assert AllowList.parse("") == AllowList()
    assert AllowList.parse(" , ,") == AllowList()


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ("10.0.0.1/8", "did you mean 10.0.0.0/8?"),
        ("10.0.0.0/33", "not a valid network"),
        ("localhost:8080", "no ports"),
        ("http://intranet", "no URLs"),
        ("10.0.0.0 /8", "not a valid network"),
        ("*.corp", "wildcard"),
        ("bücher.de", "xn--"),
        ("10.0.0.256", "neither an address"),
        ("a..b", "neither an address"),
        ("-bad.example", "neither an address"),
        ("two words", "neither an address"),
    ],
)
def test_garbage_in_the_allow_list_is_a_clear_error(entry: str, says: str) -> None:
    with pytest.raises(InvalidAllowList) as caught:
        AllowList.parse(f"10.0.0.0/8, {entry}")
    assert caught.value.message.startswith("BASTION_DAST_ALLOWED_NETWORKS: ")
    assert repr(entry) in caught.value.message
    assert says in caught.value.message


_label = st.from_regex(r"[a-z0-9](?:[a-z0-9_-]{0,20}[a-z0-9])?", fullmatch=True)
_host_names = (
    st.lists(_label, min_size=1, max_size=4)
    .filter(lambda labels: not labels[-1].isdigit())
    .map(".".join)
)


@given(
    st.lists(st.ip_addresses().map(ipaddress.ip_network), max_size=4),
    st.lists(
        st.tuples(st.ip_addresses(), st.integers(0, 128)).map(
            lambda pair: ipaddress.ip_network(
                f"{pair[0]}/{min(pair[1], pair[0].max_prefixlen)}", strict=False
            )
        ),
        max_size=4,
    ),
    st.lists(_host_names, max_size=4),
)
def test_the_allow_list_parser_reads_back_what_it_is_given(
    addresses: list[ipaddress.IPv4Network | ipaddress.IPv6Network],
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network],
    hosts: list[str],
) -> None:
    entries = [
        *(str(a.network_address) for a in addresses),
        *(str(n) for n in networks),
        *(h.upper() for h in hosts),
    ]
    allow = AllowList.parse(" , ".join(entries))
    assert set(allow.networks) == {*addresses, *networks}
    assert allow.hosts == set(hosts)
    assert AllowList.parse(str(allow)) == allow


@given(st.text(max_size=60))
def test_the_allow_list_parser_accepts_or_explains_any_text(text: str) -> None:
    try:
        allow = AllowList.parse(text)
    except InvalidAllowList as exc:
        message = exc.message
    else:
        message = ""
        assert all(is_host_name(host) for host in allow.hosts)
    assert message == "" or message.startswith("BASTION_DAST_ALLOWED_NETWORKS: ")


# -- the policy -------------------------------------------------------------------------


def policy(allow: str = "", **answers: list[str] | list[list[str]]) -> TargetPolicy:
    dns = FakeDns({name.replace("_", "."): a for name, a in answers.items()})
    return TargetPolicy(AllowList.parse(allow), resolver=dns)


def test_public_hosts_are_pinned_to_their_addresses() -> None:
    pinned = policy(example_com=["93.184.216.34", "2606:2800:220:1::1"]).pin("Example.COM.")
    assert pinned.host == "example.com"
    assert pinned.addresses == (ip("93.184.216.34"), ip("2606:2800:220:1::1"))


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("127.0.0.1", "127.0.0.1, a loopback address"),
        ("[::1]", "::1, a loopback address"),
        ("10.0.0.7", "10.0.0.7, a private address"),
        ("169.254.169.254", "a cloud metadata address"),
        ("0.0.0.0", "the unspecified address"),
        ("intranet.example", "intranet.example resolves to 192.168.0.10, a private address"),
        ("metadata.example", "resolves to 169.254.169.254, a cloud metadata address"),
        # One forbidden address among public ones is enough to refuse the name.
        ("mixed.example", "mixed.example resolves to 10.9.9.9"),
        ("mapped.example", "mapped.example resolves to ::ffff:"),
    ],
)
def test_restricted_hosts_are_refused_with_the_reason(host: str, says: str) -> None:
    checker = policy(
        intranet_example=["192.168.0.10"],
        metadata_example=["169.254.169.254"],
        mixed_example=["93.184.216.34", "10.9.9.9"],
        mapped_example=["::ffff:127.0.0.1"],
    )
    with pytest.raises(TargetNotAllowed) as caught:
        checker.pin(host)
    assert says in caught.value.message
    assert caught.value.code == "target_not_allowed"
    assert caught.value.status_code == 400


def test_a_real_dns_name_that_resolves_to_loopback_is_refused() -> None:
    # The system resolver, no fake: "localhost" is a name, and it names loopback.
    assert all(a.is_loopback for a in resolve_host("localhost"))
    with pytest.raises(TargetNotAllowed, match=r"localhost resolves to .*a loopback address"):
        TargetPolicy().pin("localhost")
    assert TargetPolicy(AllowList.parse("localhost")).pin("localhost").addresses


def test_allow_list_networks_allow_their_addresses_only() -> None:
    checker = policy("10.0.0.0/8, fd00::/8", app_internal=["10.20.30.40", "fd12::7"])
    assert checker.pin("app.internal").addresses == (ip("10.20.30.40"), ip("fd12::7"))
    assert checker.pin("10.255.0.1").addresses == (ip("10.255.0.1"),)
    with pytest.raises(TargetNotAllowed):
        checker.pin("192.168.0.1")
    with pytest.raises(TargetNotAllowed):
        checker.pin("127.0.0.1")


def test_an_allowed_host_name_allows_the_name_and_its_addresses() -> None:
    checker = policy("staging.internal", staging_internal=["10.0.0.5"], other=["10.0.0.5"])
    assert checker.pin("staging.internal").addresses == (ip("10.0.0.5"),)
    # Its address, by any name, is allowed too; a neighbour is not.
    assert checker.pin("10.0.0.5").addresses == (ip("10.0.0.5"),)
    assert checker.pin("other").addresses == (ip("10.0.0.5"),)
    with pytest.raises(TargetNotAllowed):
        checker.pin("10.0.0.6")


def test_metadata_addresses_need_an_entry_naming_them_exactly() -> None:
    for allow in ("169.254.0.0/16", "0.0.0.0/0", "metadata.example"):
        checker = policy(allow, metadata_example=["169.254.169.254"])
        with pytest.raises(TargetNotAllowed, match="cloud metadata") as caught:
            checker.pin("metadata.example")
        assert "BASTION_DAST_ALLOWED_NETWORKS" not in caught.value.message
    assert policy("169.254.169.254").pin("169.254.169.254").addresses == (ip("169.254.169.254"),)
    # The broad network still allows the rest of link-local.
    assert policy("169.254.0.0/16").pin("169.254.10.10").addresses


def test_names_that_do_not_resolve_are_reported_as_such() -> None:
    def broken(host: str) -> Sequence[IPAddress]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(HostUnresolvable, match=r"nowhere\.example does not resolve"):
        policy().pin("nowhere.example")
    with pytest.raises(HostUnresolvable, match=r"empty\.example does not resolve"):
        policy(empty_example=[]).pin("empty.example")
    with pytest.raises(HostUnresolvable) as caught:
        TargetPolicy(resolver=broken).pin("x.example")
    assert caught.value.code == "target_unresolvable"


def test_the_connect_policy_resolves_each_host_once_and_keeps_refusals() -> None:
    dns = FakeDns({"target.example": ["93.184.216.34"], "evil.example": ["10.0.0.1"]})
    checker = TargetPolicy(resolver=dns)
    connect = ConnectPolicy(checker, [checker.pin("target.example")])
    for _ in range(3):
        assert connect.addresses("TARGET.example") == (ip("93.184.216.34"),)
        with pytest.raises(TargetNotAllowed):
            connect.addresses("evil.example")
    assert dns.calls == ["target.example", "evil.example"]


# -- enforcement in the scan's client ----------------------------------------------------


def send_all(options: DastOptions, urls: list[str]) -> tuple[list[int | str], ScanStats]:
    """Send each URL with a fresh client; statuses, or the TargetError detail."""
    stats = ScanStats()

    async def run() -> list[int | str]:
        outcomes: list[int | str] = []
        async with TargetClient(options, stats=stats) as client:
            for url in urls:
                try:
                    outcomes.append((await client.send(HttpRequest("GET", url))).status)
                except TargetError as exc:
                    outcomes.append(exc.detail or exc.message)
        return outcomes

    return asyncio.run(run()), stats


def test_dns_rebinding_cannot_move_a_pinned_scan() -> None:
    with serving("127.0.0.1") as target:
        # The first answer is the allowed address; every later one a forbidden address.
        dns = FakeDns({"rebind.test": [["127.0.0.1"], ["10.0.0.1"]]})
        checker = TargetPolicy(AllowList.parse("127.0.0.1"), resolver=dns)
        pinned = checker.pin("rebind.test")
        options = DastOptions(
            target=f"http://rebind.test:{target.port}/",
            connect_policy=ConnectPolicy(checker, [pinned]),
            concurrency=1,  # a new connection per keep-alive miss is not what is tested
        )
        urls = [f"http://rebind.test:{target.port}/page{i}" for i in range(5)]
        outcomes, _ = send_all(options, urls)
        # A second resolution would have said 10.0.0.1 (refused): there was none.
        assert dns.calls == ["rebind.test"]
        assert outcomes == [200] * 5
        # The connection went to the pinned address; the Host header kept the name.
        assert target.hits == [f"/page{i} host=rebind.test:{target.port}" for i in range(5)]
        # A fresh look-up would now refuse the name.
        with pytest.raises(TargetNotAllowed):
            checker.pin("rebind.test")


def test_a_redirect_to_a_forbidden_address_is_refused_without_retries() -> None:
    with serving("127.0.0.2") as elsewhere:
        forbidden = f"http://127.0.0.2:{elsewhere.port}/secret"
        with serving("127.0.0.1", redirect_to=forbidden) as target:
            checker = TargetPolicy(AllowList.parse("localhost"))
            pinned = checker.pin("localhost")
            options = DastOptions(
                target=f"http://localhost:{target.port}/",
                connect_policy=ConnectPolicy(checker, [pinned]),
            )
            go = f"http://localhost:{target.port}/go"
            outcomes, stats = send_all(options, [go, forbidden])
            assert outcomes[0] == 302
            assert isinstance(outcomes[1], str)
            assert "refused by the target policy" in outcomes[1]
            assert "127.0.0.2, a loopback address" in outcomes[1]
            assert stats.retries == 0
            assert stats.errors == 1
            assert elsewhere.hits == []
            # The same request without a policy (the CLI) reaches it: the refusal above
            # was the policy's, not the network's.
            outcomes, _ = send_all(DastOptions(target=options.target), [forbidden])
            assert outcomes == [200]
            assert elsewhere.hits == [f"/secret host=127.0.0.2:{elsewhere.port}"]


def scan_options(target: str, *, include: str, checker: TargetPolicy) -> DastOptions:
    return DastOptions(
        target=target,
        # Both origins in scope: the crawler follows the redirect itself.
        include=(include,),
        connect_policy=ConnectPolicy(checker, [checker.pin("localhost")]),
        browser=False,
        active=False,
        passive=False,
        max_requests=100,
        max_duration=20,
    )


def test_a_scan_redirected_to_a_forbidden_host_carries_on_without_it() -> None:
    with serving("127.0.0.2") as elsewhere:
        forbidden = f"http://127.0.0.2:{elsewhere.port}/"
        with serving("127.0.0.1", redirect_to=forbidden) as target:
            options = scan_options(
                f"http://localhost:{target.port}/",
                include=r"^http://(localhost|127\.0\.0\.2):",
                checker=TargetPolicy(AllowList.parse("localhost")),
            )
            report = asyncio.run(run_scan(options))
    assert report.stats.stop_reason == "completed"
    assert report.stats.errors == 1
    assert {hit.split()[0] for hit in target.hits} >= {"/", "/go", "/page/0"}
    assert elsewhere.hits == []


def test_a_target_whose_first_page_redirects_to_a_forbidden_host_is_unreachable() -> None:
    with serving("127.0.0.2") as elsewhere:
        forbidden = f"http://127.0.0.2:{elsewhere.port}/"
        with serving("127.0.0.1", redirect_to=forbidden) as target:
            options = scan_options(
                f"http://localhost:{target.port}/go",
                include=r"^http://(localhost|127\.0\.0\.2):",
                checker=TargetPolicy(AllowList.parse("localhost")),
            )
            report = asyncio.run(run_scan(options))
    assert report.stats.stop_reason.startswith("target unreachable: refused by the target policy")
    assert "127.0.0.2, a loopback address" in report.stats.stop_reason
    assert elsewhere.hits == []

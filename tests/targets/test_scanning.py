"""The job's view of a running scan: phase, the rough percentage, the pinned address."""

from __future__ import annotations

import ipaddress

import pytest

from bastion.dast.options import DastOptions
from bastion.dast.policy import PinnedHost
from bastion.targets.scanning import PINNED_ADDRESS_LENGTH, estimate_percent, phase, pinned_text

OPTIONS = DastOptions(target="http://app.example/", max_duration=100.0, max_requests=1000)


def test_the_phase_follows_the_crawl() -> None:
    assert phase({}) == "crawling"
    assert phase({"requests": 40, "inputs": 0}) == "crawling"
    assert phase({"requests": 400, "inputs": 12}) == "testing"


@pytest.mark.parametrize(
    ("requests", "elapsed", "percent"),
    [(0, 0.0, 0), (100, 1.0, 10), (10, 50.0, 50), (999, 1.0, 99), (5000, 500.0, 99)],
)
def test_the_percentage_is_the_further_spent_budget_below_100(
    requests: int, elapsed: float, percent: int
) -> None:
    assert estimate_percent({"requests": requests}, elapsed, OPTIONS) == percent


def test_pinned_addresses_fit_their_column() -> None:
    two = PinnedHost("a.example", (ipaddress.ip_address("::1"), ipaddress.ip_address("127.0.0.1")))
    assert pinned_text(two) == "::1, 127.0.0.1"
    many = PinnedHost(
        "b.example", tuple(ipaddress.ip_address(f"2001:db8::{n:x}:ffff:ffff") for n in range(9))
    )
    text = pinned_text(many)
    assert len(text) <= PINNED_ADDRESS_LENGTH
    kept = text.split(", ")
    assert kept == [str(a) for a in many.addresses[: len(kept)]]
    assert 1 <= len(kept) < len(many.addresses)

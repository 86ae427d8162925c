"""Tiny rules of the engine tests' own: what they find is obvious, so a test can tell the
engine's behaviour (dedup, budgets, failure handling) from the rules' judgement."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from bastion.dast.checks.base import ActiveRule, PassiveRule, Probe
from bastion.dast.model import (
    Confidence,
    DastFinding,
    Exchange,
    HttpRequest,
    InsertionPoint,
    Location,
)
from bastion.models import Severity

# Read by the engine (any selected passive rule's module may declare it): these paths are
# requested once per scan so that ``TokenLeak`` gets to see them.
PROBE_PATHS = ("/.env", "backup.zip")

TOKEN = b"SECRET-TOKEN"


class Reflect(ActiveRule):
    """A query value that comes back verbatim, twice."""

    rule_id = "test-reflect"
    name = "Reflected marker"
    cwe = 79
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    locations = frozenset({Location.QUERY})
    max_requests = 2

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "http://example.test/?q=x"), evidence="x", parameter="q"
        )

    async def scan(self, probe: Probe) -> DastFinding | None:
        self.calls.append((probe.target.request.url, probe.point.name))
        first_marker = probe.marker()
        first = await probe.send(first_marker)
        if first_marker not in first.response.text:
            return None
        second_marker = probe.marker()
        second = await probe.send(second_marker)
        if second_marker not in second.response.text:
            return None
        return self.make_finding(
            request=first.request,
            evidence=f"{first_marker} came back in the response",
            parameter=probe.point.name,
            location=probe.point.location,
            payload=first_marker,
            confirmations=[second.request],
        )


class Recorder(ActiveRule):
    """Finds nothing; remembers every (input URL, point) it was given and how many of
    its scans ran at once."""

    rule_id = "test-recorder"
    name = "Recorder"
    cwe = 20
    severity = Severity.LOW
    confidence = Confidence.LOW
    locations = frozenset(Location)
    max_requests = 1
    delay: ClassVar[float] = 0.0

    def __init__(self) -> None:
        self.calls: list[tuple[str, InsertionPoint]] = []
        self.running = 0
        self.max_running = 0

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(request=HttpRequest("GET", "http://example.test/"), evidence="-")

    async def scan(self, probe: Probe) -> DastFinding | None:
        self.calls.append((probe.target.request.url, probe.point))
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            await probe.send("x", append=True)
            await asyncio.sleep(self.delay)
        finally:
            self.running -= 1
        return None


class SlowRecorder(Recorder):
    rule_id = "test-slow-recorder"
    delay = 0.02


class TimingRecorder(Recorder):
    """Flagged as measuring response times: the engine must run it one at a time."""

    rule_id = "test-timing"
    timing: ClassVar[bool] = True
    delay = 0.02


class Broken(ActiveRule):
    rule_id = "test-broken"
    name = "Broken"
    cwe = 20
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    locations = frozenset({Location.QUERY})

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(request=HttpRequest("GET", "http://example.test/"), evidence="-")

    async def scan(self, probe: Probe) -> DastFinding | None:
        await probe.send("boom")
        raise RuntimeError("boom")


class Greedy(Reflect):
    """Sends more than its declared budget: the probe must refuse."""

    rule_id = "test-greedy"
    max_requests = 1


class TokenLeak(PassiveRule):
    rule_id = "test-token"
    name = "Token in response"
    cwe = 200
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    scope = "endpoint"

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(request=HttpRequest("GET", "http://example.test/"), evidence="-")

    def check(self, exchange: Exchange) -> list[DastFinding]:
        if TOKEN not in exchange.response.body:
            return []
        return [self.make_finding(request=exchange.request, evidence=TOKEN.decode())]


class MissingHeader(PassiveRule):
    rule_id = "test-missing-header"
    name = "X-Test-Safe missing"
    cwe = 693
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    scope = "site"

    def __init__(self) -> None:
        self.checked = 0

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(request=HttpRequest("GET", "http://example.test/"), evidence="-")

    def check(self, exchange: Exchange) -> list[DastFinding]:
        self.checked += 1
        if exchange.response.header("x-test-safe") is not None:
            return []
        return [self.make_finding(request=exchange.request, evidence="no X-Test-Safe header")]


class BrokenPassive(PassiveRule):
    rule_id = "test-broken-passive"
    name = "Broken passive"
    cwe = 20
    severity = Severity.LOW
    confidence = Confidence.LOW

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(request=HttpRequest("GET", "http://example.test/"), evidence="-")

    def check(self, exchange: Exchange) -> list[DastFinding]:
        raise ValueError("passive boom")

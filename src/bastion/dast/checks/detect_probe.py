"""Detectors that send requests: differential (boolean) tests, and the request budget
every active rule keeps within.

A boolean test sends a condition that holds and one that does not, in the syntax of the
suspected interpreter (SQL, XPath, LDAP). The input is injectable when the two pages
differ, one of them is the page the unmodified request gets (or, without such an
anchor, the unmodified request still gets its page when sent again), and a second,
differently written pair splits the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bastion.dast.checks.base import Probe
from bastion.dast.checks.detect import PageComparer
from bastion.dast.model import Exchange, HttpRequest, HttpResponse, InsertionPoint, ScanInput


class BudgetSpent(Exception):
    """The rule used up its ``max_requests`` for this insertion point."""


class Budgeted:
    """A ``Probe`` that refuses to send more than ``limit`` requests: rules wrap the
    engine's probe in it, stop cleanly at their declared ``max_requests`` and can ask
    what is ``left`` before starting a stage that needs several requests."""

    def __init__(self, probe: Probe, limit: int) -> None:
        self._probe = probe
        self._limit = limit
        self.sent = 0

    @property
    def left(self) -> int:
        return self._limit - self.sent

    @property
    def target(self) -> ScanInput:
        return self._probe.target

    @property
    def point(self) -> InsertionPoint:
        return self._probe.point

    @property
    def baseline(self) -> HttpResponse:
        return self._probe.baseline

    def _spend(self) -> None:
        if self.sent >= self._limit:
            raise BudgetSpent
        self.sent += 1

    async def send(self, payload: str, *, append: bool = False) -> Exchange:
        self._spend()
        return await self._probe.send(payload, append=append)

    async def send_request(self, request: HttpRequest) -> Exchange:
        self._spend()
        return await self._probe.send_request(request)

    async def revisit(self) -> list[Exchange]:
        return await self._probe.revisit()

    def marker(self) -> str:
        return self._probe.marker()


class Anchor(StrEnum):
    """Which answer of a boolean pair should be the unmodified request's page."""

    TRUE = "true"  # ``value AND 1=1`` keeps the page
    FALSE = "false"  # ``value' or '1'='2`` keeps the page
    NONE = "none"  # neither (``*`` vs a random value): resend the value as a control


@dataclass(frozen=True, slots=True)
class BooleanPair:
    true: str
    false: str


@dataclass(frozen=True, slots=True)
class BooleanProof:
    true: Exchange
    false: Exchange
    confirm_true: Exchange
    confirm_false: Exchange
    control: Exchange | None
    score: float  # similarity of the true and false pages (lower: more different)

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        extra = () if self.control is None else (self.control,)
        return (self.true, self.false, self.confirm_true, self.confirm_false, *extra)

    def evidence(self, first: BooleanPair, second: BooleanPair) -> str:
        return (
            f"true and false conditions give different pages ({self.true.response.status} "
            f"vs {self.false.response.status}, similarity {self.score:.2f}): "
            f"{first.true!r} / {first.false!r}, confirmed by {second.true!r} / "
            f"{second.false!r}"
        )


async def boolean_differential(
    probe: Probe,
    first: BooleanPair,
    second: BooleanPair,
    *,
    append: bool,
    anchor: Anchor,
) -> BooleanProof | None:
    """Two to five requests; None unless every comparison holds."""
    baseline = probe.baseline
    compare = PageComparer((first.true, first.false, second.true, second.false))
    true = await probe.send(first.true, append=append)
    if anchor is Anchor.TRUE and not compare.same(true.response, baseline):
        return None
    false = await probe.send(first.false, append=append)
    if not compare.different(true.response, false.response):
        return None
    # An always-true condition that yields an error page where the always-false one does
    # not broke some parser (``*`` is an alias to a YAML loader): that is no query logic.
    if true.response.status >= 400 and false.response.status < 400:
        return None
    if anchor is Anchor.FALSE and not compare.same(false.response, baseline):
        return None
    confirm_true = await probe.send(second.true, append=append)
    if not compare.same(confirm_true.response, true.response):
        return None
    confirm_false = await probe.send(second.false, append=append)
    if not compare.same(confirm_false.response, false.response):
        return None
    control: Exchange | None = None
    if anchor is Anchor.NONE:
        control = await probe.send(probe.point.value)
        if not compare.same(control.response, baseline):
            return None
    score = compare.score(true.response, false.response)
    return BooleanProof(true, false, confirm_true, confirm_false, control, score)

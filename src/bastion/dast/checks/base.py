"""The two kinds of scan rule and what the engine gives them.

One class per rule (``checks/passive/<rule>.py``, ``checks/active/<rule>.py``), with its
metadata at class level, registered in ``checks/registry.py``. Rules never persist
anything and never send requests except through the ``Probe`` the engine hands them: the
engine owns concurrency, politeness, budgets and deduplication.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar, Protocol

from bastion.dast.model import (
    Confidence,
    DastFinding,
    Exchange,
    HttpRequest,
    HttpResponse,
    InsertionPoint,
    Location,
    ScanInput,
)
from bastion.models import Severity

VALUE_LOCATIONS: frozenset[Location] = frozenset(
    {
        Location.QUERY,
        Location.FORM,
        Location.JSON,
        Location.XML,
        Location.PATH,
        Location.COOKIE,
        Location.HEADER,
    }
)
NAME_LOCATIONS: frozenset[Location] = frozenset(
    {Location.QUERY_NAME, Location.FORM_NAME, Location.HEADER_NAME}
)


class Rule(ABC):
    """Metadata every rule declares. ``rule_id`` is stable and never reused."""

    rule_id: ClassVar[str]
    name: ClassVar[str]
    cwe: ClassVar[int]
    severity: ClassVar[Severity]
    confidence: ClassVar[Confidence]
    kind: ClassVar[str]  # "passive" or "active"
    description: ClassVar[str] = ""
    remediation: ClassVar[str] = ""
    # OWASP Top 10 / WSTG identifiers, e.g. ("OWASP_2021_A03", "WSTG-INPV-05").
    tags: ClassVar[tuple[str, ...]] = ()
    references: ClassVar[tuple[str, ...]] = ()

    @classmethod
    @abstractmethod
    def example(cls) -> DastFinding:
        """A representative finding, for documentation and the registry contract test."""

    @classmethod
    def make_finding(
        cls,
        *,
        request: HttpRequest,
        evidence: str,
        parameter: str | None = None,
        location: Location | None = None,
        payload: str | None = None,
        response_excerpt: str | None = None,
        confirmations: Sequence[HttpRequest] = (),
        confidence: Confidence | None = None,
        severity: Severity | None = None,
    ) -> DastFinding:
        return DastFinding(
            rule_id=cls.rule_id,
            name=cls.name,
            cwe=cls.cwe,
            severity=severity or cls.severity,
            confidence=confidence or cls.confidence,
            url=request.url,
            method=request.method,
            parameter=parameter,
            evidence=evidence,
            location=location,
            payload=payload,
            request=request,
            response_excerpt=response_excerpt,
            description=cls.description,
            remediation=cls.remediation,
            references=cls.references,
            confirmations=tuple(confirmations),
        )


class PassiveRule(Rule):
    """Looks at one exchange the scan made anyway; sends nothing.

    ``scope`` says how the engine deduplicates: ``"endpoint"`` (one finding per rule and
    endpoint, e.g. a cookie flag), ``"site"`` (one per rule and origin, e.g. a missing
    header reported once with the first URL as example).
    """

    kind: ClassVar[str] = "passive"
    scope: ClassVar[str] = "endpoint"

    @abstractmethod
    def check(self, exchange: Exchange) -> list[DastFinding]: ...


class Probe(Protocol):
    """What the engine gives an active rule for one (scan input, insertion point).

    ``baseline`` is the response to the unmodified request. ``send`` builds the request
    with ``payload`` at the insertion point (replacing the value, or appended to it when
    ``append`` is true) and sends it through the polite client; ``send_request`` sends a
    request the rule built itself (XXE documents, follow-up pages for stored XSS).
    Both return the full exchange so the rule can cite the request in its finding.
    """

    @property
    def target(self) -> ScanInput: ...

    @property
    def point(self) -> InsertionPoint: ...

    @property
    def baseline(self) -> HttpResponse: ...

    async def send(self, payload: str, *, append: bool = False) -> Exchange: ...

    async def send_request(self, request: HttpRequest) -> Exchange: ...

    async def revisit(self) -> list[Exchange]:
        """Fetch again the pages that may display what this input stored (the page that
        led to the input, the input's own URL as a GET, and a bounded set of crawled
        pages of the same site), for stored-payload rules."""
        ...

    def marker(self) -> str:
        """A unique, alphanumeric token for this probe (reflection markers)."""
        ...


class ActiveRule(Rule):
    """Sends payloads into one insertion point and decides from the answers.

    A rule reports only what it confirmed at least twice (two payloads, or a payload and
    a differential check); ``max_requests`` bounds what it may send per insertion point,
    and the contract test holds it to that.
    """

    kind: ClassVar[str] = "active"
    locations: ClassVar[frozenset[Location]] = VALUE_LOCATIONS
    max_requests: ClassVar[int] = 12

    def applies_to(self, target: ScanInput, point: InsertionPoint) -> bool:
        """Cheap filter before any request is sent; override to narrow further."""
        return point.location in self.locations

    @abstractmethod
    async def scan(self, probe: Probe) -> DastFinding | None: ...

"""SQL injection (ZAP rules 40018-40024 in one): error-based, boolean-based, time-based.

In order of cost, stopping at the first technique that proves it:

1. Error-based: a quote appended to the value makes the page show an error message of
   one of five database engines that the baseline lacks; a second, different breaking
   payload must show the same engine's error.
2. Boolean-based: ``AND`` conditions (never ``OR``: on an UPDATE or DELETE an always-true
   condition would touch every row) that are true keep the page, false ones change it,
   for two differently written pairs.
3. Server errors without a message: an odd number of quotes fails with a 5xx, an even
   number succeeds like the baseline, twice (reported with low confidence: another
   interpreter with quoted strings would do the same).
4. Time-based: PostgreSQL ``pg_sleep``, MySQL ``SLEEP`` and SQL Server ``WAITFOR``, each
   confirmed by a zero-delay control and a second delay (SQLite has no sleep).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from bastion.dast.checks.base import ActiveRule, Probe
from bastion.dast.checks.detect import PageComparer, server_error_flip
from bastion.dast.checks.detect_errors import SQL_ERRORS, ErrorMatch, new_error
from bastion.dast.checks.detect_probe import (
    Anchor,
    BooleanPair,
    Budgeted,
    BudgetSpent,
    boolean_differential,
)
from bastion.dast.checks.detect_timing import FIRST_DELAY, confirm_delay
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest, Location
from bastion.models import Severity

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

# (first pair, confirming pair), by the kind of literal the value sits in.
BOOLEAN_PAIRS: dict[str, tuple[BooleanPair, BooleanPair]] = {
    "numeric": (
        BooleanPair(" AND 1=1", " AND 1=2"),
        BooleanPair(" AND 2>1", " AND 1>2"),
    ),
    "single-quoted": (
        BooleanPair("' AND '1'='1", "' AND '1'='2"),
        BooleanPair("' AND 2>1 AND 'a'='a", "' AND 1>2 AND 'a'='a"),
    ),
    "double-quoted": (
        BooleanPair('" AND "1"="1', '" AND "1"="2'),
        BooleanPair('" AND 2>1 AND "a"="a', '" AND 1>2 AND "a"="a'),
    ),
}


@dataclass(frozen=True, slots=True)
class Delay:
    dbms: str
    template: str  # {n}: seconds

    def payload(self, seconds: int) -> str:
        return self.template.replace("{n}", str(seconds))


STRING_DELAYS = (
    Delay("PostgreSQL", "'||(SELECT ''||pg_sleep({n}))||'"),
    Delay("MySQL", "'XOR(SELECT(0)FROM(SELECT(SLEEP({n})))a)XOR'Z"),
    Delay("Microsoft SQL Server", "';WAITFOR DELAY '0:0:{n}'--"),
)
NUMERIC_DELAYS = (
    Delay("PostgreSQL", " AND 1=(SELECT 1 FROM pg_sleep({n}))"),
    Delay("MySQL", " AND (SELECT 1 FROM (SELECT SLEEP({n}))a)"),
    Delay("Microsoft SQL Server", ";WAITFOR DELAY '0:0:{n}'--"),
)


class SqlInjection(ActiveRule):
    rule_id: ClassVar[str] = "dast.sqli"
    name: ClassVar[str] = "SQL injection"
    cwe: ClassVar[int] = 89
    severity: ClassVar[Severity] = Severity.CRITICAL
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "A request parameter is pasted into an SQL statement: an attacker can read or "
        "change any data the application's database account can reach."
    )
    remediation: ClassVar[str] = (
        "Use parameterised queries (prepared statements, or the ORM's query builder) for "
        "every value; never format values into SQL text. Give the database account only "
        "the privileges the application needs."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A03", "WSTG-INPV-05")
    references: ClassVar[tuple[str, ...]] = (
        "https://owasp.org/www-community/attacks/SQL_Injection",
        "https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html",
        "https://cwe.mitre.org/data/definitions/89.html",
    )
    max_requests: ClassVar[int] = 20
    # Sends sleep payloads: the engine runs it apart from other timing rules.
    timing: ClassVar[bool] = True

    async def scan(self, probe: Probe) -> DastFinding | None:
        budget = Budgeted(probe, self.max_requests)
        try:
            found, quote_answer = await self._error_based(budget)
            if found is None:
                found = await self._boolean_based(budget)
            if found is None and quote_answer is not None:
                found = await self._quote_parity(budget, quote_answer)
            return found or await self._time_based(budget)
        except BudgetSpent:
            return None

    # -- 1 and 3: errors -----------------------------------------------------------------

    async def _error_based(self, probe: Budgeted) -> tuple[DastFinding | None, Exchange | None]:
        """A confirmed error-based finding, and the answer to a single quote (for the
        quote-parity test, run after the boolean one)."""
        quote_answer: Exchange | None = None
        for breaker in ("'", '"'):
            exchange = await probe.send(breaker, append=True)
            if breaker == "'":
                quote_answer = exchange
            error = new_error(exchange.response, probe.baseline, SQL_ERRORS)
            if error is None:
                continue
            for confirmer in (breaker + ")", breaker * 3):
                again = await probe.send(confirmer, append=True)
                second = new_error(again.response, probe.baseline, SQL_ERRORS)
                if second is not None and second.kind == error.kind:
                    proof = (exchange, error), (again, second)
                    return self._error_finding(probe, proof, breaker, confirmer), None
            return None, quote_answer
        return None, quote_answer

    def _error_finding(
        self,
        probe: Budgeted,
        proof: tuple[tuple[Exchange, ErrorMatch], tuple[Exchange, ErrorMatch]],
        breaker: str,
        confirmer: str,
    ) -> DastFinding:
        (exchange, error), (again, second) = proof
        return self.make_finding(
            request=exchange.request,
            evidence=(
                f"{error.kind} error message after appending {breaker!r}: "
                f"{error.text!r}; {confirmer!r} gives {second.text!r}"
            ),
            parameter=probe.point.name,
            location=probe.point.location,
            payload=breaker,
            response_excerpt=error.excerpt,
            confirmations=(again.request,),
        )

    async def _quote_parity(self, probe: Budgeted, odd: Exchange) -> DastFinding | None:
        baseline = probe.baseline
        if odd.response.status < 500 or baseline.status >= 300:
            return None
        even = await probe.send("''", append=True)
        if not server_error_flip(baseline, odd.response, even.response):
            return None
        odd2 = await probe.send("'''", append=True)
        even2 = await probe.send("''''", append=True)
        if not server_error_flip(baseline, odd2.response, even2.response):
            return None
        # The same error page and the same answer page each time, not a flaky server.
        compare = PageComparer(("'", "''", "'''", "''''"))
        if not (
            compare.same(odd.response, odd2.response)
            and compare.same(even.response, even2.response)
        ):
            return None
        return self.make_finding(
            request=odd.request,
            evidence=(
                f"an odd number of quotes makes the server fail ({odd.response.status}, "
                f"{odd2.response.status}) and an even number does not ({even.response.status}, "
                f"{even2.response.status}), as when the value closes an SQL string"
            ),
            parameter=probe.point.name,
            location=probe.point.location,
            payload="'",
            confirmations=(even.request, odd2.request, even2.request),
            confidence=Confidence.LOW,
        )

    # -- 2: boolean --------------------------------------------------------------------

    async def _boolean_based(self, probe: Budgeted) -> DastFinding | None:
        kinds = ["single-quoted", "double-quoted"]
        if _NUMBER.fullmatch(probe.point.value.strip()):
            kinds.insert(0, "numeric")
        for kind in kinds:
            first, second = BOOLEAN_PAIRS[kind]
            proof = await boolean_differential(
                probe, first, second, append=True, anchor=Anchor.TRUE
            )
            if proof is None:
                continue
            return self.make_finding(
                request=proof.false.request,
                evidence=f"{kind} value: " + proof.evidence(first, second),
                parameter=probe.point.name,
                location=probe.point.location,
                payload=first.false,
                confirmations=tuple(e.request for e in proof.exchanges if e is not proof.false),
            )
        return None

    # -- 4: time -----------------------------------------------------------------------

    async def _time_based(self, probe: Budgeted) -> DastFinding | None:
        delays = list(STRING_DELAYS)
        if _NUMBER.fullmatch(probe.point.value.strip()):
            delays = [*NUMERIC_DELAYS, *delays]
        for delay in delays:
            if probe.left < 3:
                return None

            async def send(seconds: int, delay: Delay = delay) -> Exchange:
                return await probe.send(delay.payload(seconds), append=True)

            proof = await confirm_delay(send, probe.baseline)
            if proof is None:
                continue
            return self.make_finding(
                request=proof.first.request,
                evidence=f"{delay.dbms} delay: {proof.evidence}",
                parameter=probe.point.name,
                location=probe.point.location,
                payload=delay.payload(FIRST_DELAY),
                confirmations=(proof.control.request, proof.second.request),
            )
        return None

    @classmethod
    def example(cls) -> DastFinding:
        request = HttpRequest("GET", "https://shop.example/product?id=5%27")
        return cls.make_finding(
            request=request,
            evidence=(
                "SQLite error message after appending \"'\": 'unrecognized token: \"''\"'; "
                "\"')\" gives 'unrecognized token: \"')\"'"
            ),
            parameter="id",
            location=Location.QUERY,
            payload="'",
            response_excerpt='sqlite3.OperationalError: unrecognized token: "\'"',
            confirmations=(HttpRequest("GET", "https://shop.example/product?id=5%27%29"),),
        )

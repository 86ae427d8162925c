"""CRLF injection / HTTP response splitting (ZAP rule 40003).

The payload ends the current header line and adds one of ours, ``X-Bastion-Crlf: TOKEN``:
raw CR LF (sent percent-encoded, as the application decodes it), a bare LF, CR LF
still percent-encoded for applications that decode twice, and the UTF-8 characters
U+560D U+560A whose low bytes are CR and LF (servers that truncate characters to bytes).
The proof is the header itself in the response's headers, not text in the body. A
second encoding (or, failing that, a second header under another name) must get
through too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bastion.dast.checks.base import ActiveRule, Probe
from bastion.dast.checks.detect_probe import Budgeted, BudgetSpent
from bastion.dast.model import (
    Confidence,
    DastFinding,
    HttpRequest,
    HttpResponse,
    Location,
)
from bastion.models import Severity

HEADER = "X-Bastion-Crlf"
SECOND_HEADER = "X-Bastion-Crlf-Confirm"


@dataclass(frozen=True, slots=True)
class Breaker:
    name: str
    text: str
    # Raw control characters cannot go into a request header value (the client refuses
    # them): only the textual forms are sent there.
    header_safe: bool

    def payload(self, header: str, token: str) -> str:
        return f"{self.text}{header}: {token}"


BREAKERS = (
    Breaker("CR LF", "\r\n", header_safe=False),
    Breaker("LF", "\n", header_safe=False),
    Breaker("percent-encoded CR LF", "%0d%0a", header_safe=True),
    Breaker("UTF-8 U+560D U+560A", "\u560d\u560a", header_safe=False),
    Breaker("percent-encoded LF", "%0a", header_safe=True),
)


def carries(response: HttpResponse, header: str, token: str) -> str | None:
    """The injected header line when ``response`` has it with ``token``."""
    for value in response.header_values(header):
        if token in value:
            return f"{header}: {value}"
    return None


class CrlfInjection(ActiveRule):
    rule_id: ClassVar[str] = "dast.crlf"
    name: ClassVar[str] = "CRLF injection (HTTP response header injection)"
    cwe: ClassVar[int] = 113
    severity: ClassVar[Severity] = Severity.MEDIUM
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "A request parameter is written into a response header without removing line "
        "breaks: an attacker adds headers (Set-Cookie, a second response body), which "
        "leads to session fixation, cache poisoning or cross-site scripting."
    )
    remediation: ClassVar[str] = (
        "Reject or strip CR and LF (and their encodings) from values placed in headers; "
        "use the framework's header and redirect APIs, which refuse line breaks."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A03", "WSTG-INPV-15")
    references: ClassVar[tuple[str, ...]] = (
        "https://owasp.org/www-community/vulnerabilities/CRLF_Injection",
        "https://cwe.mitre.org/data/definitions/113.html",
    )
    locations: ClassVar[frozenset[Location]] = frozenset(
        {Location.QUERY, Location.FORM, Location.HEADER, Location.PATH, Location.COOKIE}
    )
    # Every breaker once, and two confirmations.
    max_requests: ClassVar[int] = len(BREAKERS) + 2

    async def scan(self, probe: Probe) -> DastFinding | None:
        budget = Budgeted(probe, self.max_requests)
        try:
            return await self._scan(budget)
        except BudgetSpent:
            return None

    async def _scan(self, probe: Budgeted) -> DastFinding | None:
        breakers = [
            b for b in BREAKERS if b.header_safe or probe.point.location is not Location.HEADER
        ]
        token = "bstn" + probe.marker().lower()
        for index, breaker in enumerate(breakers):
            payload = breaker.payload(HEADER, token)
            exchange = await probe.send(payload, append=True)
            line = carries(exchange.response, HEADER, token)
            if line is None:
                continue
            others = [*breakers[index + 1 : index + 2], breaker]
            for other in others:
                token2 = token + "c"
                again = await probe.send(other.payload(SECOND_HEADER, token2), append=True)
                if carries(again.response, SECOND_HEADER, token2) is None:
                    continue
                return self.make_finding(
                    request=exchange.request,
                    evidence=(
                        f"the response carries the injected header {line!r} ({breaker.name}); "
                        f"a second header came through with {other.name}"
                    ),
                    parameter=probe.point.name,
                    location=probe.point.location,
                    payload=payload,
                    response_excerpt=line,
                    confirmations=(again.request,),
                )
            return None
        return None

    @classmethod
    def example(cls) -> DastFinding:
        request = HttpRequest(
            "GET", "https://shop.example/lang?set=en%0D%0AX-Bastion-Crlf%3A%20bstnab12"
        )
        return cls.make_finding(
            request=request,
            evidence=(
                "the response carries the injected header 'X-Bastion-Crlf: bstnab12' "
                "(CR LF); a second header came through with LF"
            ),
            parameter="set",
            location=Location.QUERY,
            payload="\r\nX-Bastion-Crlf: bstnab12",
            response_excerpt="X-Bastion-Crlf: bstnab12",
        )

"""OS command injection (ZAP rule 90020): command output, then time delays.

Output payloads run ``echo`` after a shell separator (``;``, ``|``, ``&``, ``$()``,
backticks, a newline, closing quotes first) with an argument whose printed form differs
from its written form: ``echo TOKEN$((311*457))`` prints ``TOKEN142127``, and on Windows
``echo TOKEN%OS%`` prints ``TOKENWindows_NT``. So a page that merely echoes the payload
never matches; the output may arrive HTML-escaped. A second run with other numbers must
print them too.

Time payloads (``;sleep 2``, ``&ping -n 3 127.0.0.1`` on Windows) go through the shared
delay confirmation. Nothing here writes, deletes or reaches beyond the target itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import ClassVar

from bastion.dast.checks.base import ActiveRule, Probe
from bastion.dast.checks.detect import find_text
from bastion.dast.checks.detect_probe import Budgeted, BudgetSpent
from bastion.dast.checks.detect_timing import FIRST_DELAY, confirm_delay
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest, Location
from bastion.models import Severity


@dataclass(frozen=True, slots=True)
class Echo:
    """A payload printing ``{m}`` followed by the product ``{a}*{b}`` (POSIX shells) or
    by the value of ``%OS%`` (``Windows_NT`` in every Windows ``cmd``)."""

    template: str
    windows: bool = False

    def render(self, marker: str, a: int, b: int) -> tuple[str, str]:
        """(payload, expected output)."""
        payload = self.template.replace("{m}", marker).replace("{a}", str(a))
        payload = payload.replace("{b}", str(b))
        return payload, f"{marker}Windows_NT" if self.windows else f"{marker}{a * b}"


ECHOES = (
    Echo(";echo {m}$(({a}*{b}));#"),
    Echo("|echo {m}$(({a}*{b}));#"),
    Echo("&echo {m}$(({a}*{b}));#"),
    Echo("$(echo {m}$(({a}*{b})))"),
    Echo("`echo {m}$(({a}*{b}))`"),
    Echo("\necho {m}$(({a}*{b}))\n"),
    Echo("';echo {m}$(({a}*{b}));#"),
    Echo('";echo {m}$(({a}*{b}));#'),
    Echo("&echo {m}%OS%&rem ", windows=True),
)


@dataclass(frozen=True, slots=True)
class Sleep:
    template: str  # {n}: seconds; {p}: seconds + 1 (ping counts)

    def payload(self, seconds: int) -> str:
        return self.template.replace("{n}", str(seconds)).replace("{p}", str(seconds + 1))


SLEEPS = (
    Sleep(";sleep {n};#"),
    Sleep("|sleep {n};#"),
    Sleep("$(sleep {n})"),
    Sleep("\nsleep {n}\n"),
    Sleep("';sleep {n};#"),
    Sleep('";sleep {n};#'),
    Sleep("&ping -n {p} 127.0.0.1&rem "),
)


def _factors() -> tuple[int, int]:
    return 101 + secrets.randbelow(899), 101 + secrets.randbelow(899)


class CommandInjection(ActiveRule):
    rule_id: ClassVar[str] = "dast.cmdi"
    name: ClassVar[str] = "OS command injection"
    cwe: ClassVar[int] = 78
    severity: ClassVar[Severity] = Severity.CRITICAL
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "A request parameter reaches a shell command line: an attacker runs any command "
        "with the privileges of the application."
    )
    remediation: ClassVar[str] = (
        "Do not call a shell with request data. Use the language's API for the task, or "
        "run the program with an argument list (no shell) after validating each argument "
        "against an allow-list."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A03", "WSTG-INPV-12")
    references: ClassVar[tuple[str, ...]] = (
        "https://owasp.org/www-community/attacks/Command_Injection",
        "https://cheatsheetseries.owasp.org/cheatsheets/OS_Command_Injection_Defense_Cheat_Sheet.html",
        "https://cwe.mitre.org/data/definitions/78.html",
    )
    max_requests: ClassVar[int] = 19
    timing: ClassVar[bool] = True

    async def scan(self, probe: Probe) -> DastFinding | None:
        budget = Budgeted(probe, self.max_requests)
        try:
            return await self._output(budget) or await self._delay(budget)
        except BudgetSpent:
            return None

    async def _output(self, probe: Budgeted) -> DastFinding | None:
        marker = "bstn" + probe.marker().lower() + "q"
        baseline = probe.baseline.text
        for echo in ECHOES:
            payload, expected = echo.render(marker, *_factors())
            exchange = await probe.send(payload, append=True)
            found = find_text(exchange.response.text, expected)
            if found is None or expected in baseline:
                continue
            payload2, expected2 = echo.render(marker + "r", *_factors())
            again = await probe.send(payload2, append=True)
            if find_text(again.response.text, expected2) is None:
                return None
            return self.make_finding(
                request=exchange.request,
                evidence=(
                    f"the page shows {expected!r}, the output of the injected command, not "
                    f"its text; a second command printed {expected2!r}"
                ),
                parameter=probe.point.name,
                location=probe.point.location,
                payload=payload,
                response_excerpt=found,
                confirmations=(again.request,),
            )
        return None

    async def _delay(self, probe: Budgeted) -> DastFinding | None:
        for sleep in SLEEPS:
            if probe.left < 3:
                return None

            async def send(seconds: int, sleep: Sleep = sleep) -> Exchange:
                return await probe.send(sleep.payload(seconds), append=True)

            proof = await confirm_delay(send, probe.baseline)
            if proof is None:
                continue
            return self.make_finding(
                request=proof.first.request,
                evidence=f"shell delay: {proof.evidence}",
                parameter=probe.point.name,
                location=probe.point.location,
                payload=sleep.payload(FIRST_DELAY),
                confirmations=(proof.control.request, proof.second.request),
            )
        return None

    @classmethod
    def example(cls) -> DastFinding:
        request = HttpRequest(
            "POST",
            "https://router.example/ping",
            body=b"host=127.0.0.1%3Becho%20bstnab12q%24%28%28311%2A457%29%29%3B%23",
            content_type="application/x-www-form-urlencoded",
        )
        return cls.make_finding(
            request=request,
            evidence=(
                "the page shows 'bstnab12q142127', the output of the injected command, not "
                "its text; a second command printed 'bstnab12qr53360'"
            ),
            parameter="host",
            location=Location.FORM,
            payload=";echo bstnab12q$((311*457));#",
            response_excerpt="<pre>PING 127.0.0.1 … bstnab12q142127</pre>",
        )

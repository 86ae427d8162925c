"""Time-based confirmation: a payload that makes the server wait N seconds.

One slow answer proves nothing (a busy server, a slow query). A delay counts only when:
the first delay payload takes at least 90 % of its delay longer than the baseline, a
zero-delay variant of the same payload then answers fast, and a second, different delay
again takes at least 90 % of *that* delay longer. Delays stay short (2 and 3 seconds)
and are sent one after the other; rules that use this set ``timing = True`` so the
engine never runs two of them at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bastion.dast.model import Exchange, HttpResponse

FIRST_DELAY = 2
SECOND_DELAY = 3
# How much of the requested delay must show up in the elapsed time.
DELAY_FACTOR = 0.9
# The zero-delay control may not take more than this share of the first delay extra.
CONTROL_FACTOR = 0.5


@dataclass(frozen=True, slots=True)
class DelayProof:
    first: Exchange
    control: Exchange
    second: Exchange
    baseline_elapsed: float

    @property
    def evidence(self) -> str:
        return (
            f"a {FIRST_DELAY} s delay payload answered in {self.first.response.elapsed:.2f} s "
            f"and a {SECOND_DELAY} s one in {self.second.response.elapsed:.2f} s, while the "
            f"zero-delay control took {self.control.response.elapsed:.2f} s "
            f"(baseline {self.baseline_elapsed:.2f} s)"
        )


def delayed(elapsed: float, reference: float, delay: float) -> bool:
    return elapsed - reference >= DELAY_FACTOR * delay


async def confirm_delay(
    send: Callable[[int], Awaitable[Exchange]], baseline: HttpResponse
) -> DelayProof | None:
    """``send(n)`` sends the payload asking for an ``n``-second delay (``0`` is the
    control). At most three requests; one when the first shows no delay."""
    reference = baseline.elapsed
    first = await send(FIRST_DELAY)
    if not delayed(first.response.elapsed, reference, FIRST_DELAY):
        return None
    control = await send(0)
    if control.response.elapsed - reference >= CONTROL_FACTOR * FIRST_DELAY:
        return None
    second = await send(SECOND_DELAY)
    if not delayed(second.response.elapsed, max(reference, control.response.elapsed), SECOND_DELAY):
        return None
    return DelayProof(first, control, second, reference)

"""The generic ordering used when no ecosystem rule applies.

It is used (a) for every version of an ecosystem string that :func:`parse_ecosystem` does
not know, and (b) inside a known ecosystem, in region 0, for strings the ecosystem's own
parser rejects.

Rule (RubyGems' ``Gem::Version`` comparison, applied to any string):

1. Lower-case the string, drop a leading ``v`` that precedes a digit (``v1.2`` is
   ``1.2`` almost everywhere), and split it into runs of ASCII digits and runs of
   letters; everything else (``.``, ``-``, ``_``, ``+``, ``~``, spaces, ...) only
   separates runs.
2. Compare the runs left to right: numbers numerically, letters alphabetically, and a
   letter run below any number. The shorter version is padded with zeros.

So ``1.0 == 1``, ``1.9 < 1.10``, and trailing letters act like a pre-release while trailing
numbers act like a later release: ``1.0-beta < 1.0 < 1.0-1 < 1.0.1``. This is the
majority behaviour across ecosystems. Numbers compare numerically at any size.

Key encoding of "padded with zeros": each run of ``k`` zero numbers is folded into the
next non-zero run ``y``. Against a zero, a letter run loses and a number wins, so a letter
run becomes ``(0, k, text)`` (more zeros first means closer to the end), a number run
``(2, -k, n)``, and the end of the version (zeros forever) ``(1,)``. The leading type tag in
every element means two keys never compare an int with a str.
"""

from __future__ import annotations

import re
from typing import Final

from bastion.versions.base import FALLBACK_REGION, VersionKey, parse_int

# [^\W0-9_] is "word characters minus ASCII digits and underscore": letters of any script.
_RUNS: Final = re.compile(r"[0-9]+|[^\W0-9_]+")

Segment = int | str
PaddedItem = tuple[int, int, int] | tuple[int, int, str] | tuple[int]

_END: Final = (1,)


def zero_padded_key(segments: list[Segment]) -> tuple[PaddedItem, ...]:
    """Key for "compare segment lists, padding the shorter with 0, strings below numbers"."""
    runs: list[PaddedItem] = []
    zeros = 0
    for segment in segments:
        if isinstance(segment, str):
            runs.append((0, zeros, segment))
            zeros = 0
        elif segment == 0:
            zeros += 1
        else:
            runs.append((2, -zeros, segment))
            zeros = 0
    runs.append(_END)  # trailing zeros fold into the end marker: they are padding anyway
    return tuple(runs)


def generic_tuple(version: str) -> tuple[PaddedItem, ...]:
    text = version.strip().lower()
    if text[:1] == "v" and "0" <= text[1:2] <= "9":
        text = text[1:]
    segments: list[Segment] = [
        parse_int(run) if "0" <= run[0] <= "9" else run for run in _RUNS.findall(text)
    ]
    return zero_padded_key(segments)


def fallback_key(version: str) -> VersionKey:
    """The region-0 key a scheme returns for a string it cannot parse."""
    return VersionKey((FALLBACK_REGION, generic_tuple(version)), exact=False)

"""CocoaPods versions: ``Pod::Version`` (cocoapods-core), a SemVer-flavoured Gem::Version.

* Valid: digits, then ``.``-separated segments of letters, digits and ``-``, then optional
  ``+metadata`` (ignored). An empty string is version ``0``.
* The string (without metadata) is cut into digit runs and letter runs; ``-`` and ``.``
  only separate. The leading numbers are the release (trailing zeros dropped, so
  ``1.0 == 1.0.0``); everything from the first letter run on is the pre-release.
* Releases compare number by number, a missing number sorting first (``1.0 < 1.0.1``).
  A version without pre-release sorts after one with (``1.0.0-beta < 1.0.0``); pre-release
  segments compare left to right, a missing one sorting first, strings case-sensitively.

Two deliberate departures, both where ``Pod::Version`` is not a consistent order:

* ``<=>`` breaks ties between equal versions by comparing the raw strings
  (``1.0 <=> 1.0.0`` is -1 although ``1.0 == 1.0.0``); the key follows ``==`` and keeps
  them equal.
* Ruby's ``1 <=> "a"`` is nil, so ``Pod::Version`` silently skips a position where one
  pre-release has a number and the other a string; that makes equality non-transitive.
  Here numbers sort below strings at such a position, as in SemVer, which is also what
  CocoaPods' own spec expects (``1.0.0-alpha.1 < 1.0.0-alpha.beta``, an outcome it only
  reaches through the raw-string tie-break).

Leniency: a leading ``v`` is accepted. Fallback: anything else gets the generic key in
region 0, below every valid version, ``exact=False``.
"""

from __future__ import annotations

import re
from typing import Final

from bastion.versions.base import VersionKey, parse_int, strip_trailing_zeros
from bastion.versions.fallback import fallback_key

_POD: Final = re.compile(
    r"\s*(?:[vV]?(?P<body>[0-9]+(?:\.[0-9a-zA-Z-]+)*)(?:\+[0-9a-zA-Z.-]+)?)?\s*"
)
_SEGMENTS: Final = re.compile(r"[0-9]+|[a-zA-Z]+")
_RELEASE: Final = (1,)
_REGION: Final = 1


class CocoaPodsScheme:
    def parse(self, version: str) -> VersionKey:
        match = _POD.fullmatch(version)
        if match is None:
            return fallback_key(version)
        body = match["body"] or "0"
        numbers: list[int] = []
        segments = _SEGMENTS.findall(body)
        index = 0
        while index < len(segments) and "0" <= segments[index][0] <= "9":
            numbers.append(parse_int(segments[index]))
            index += 1
        pre = [(0, parse_int(s)) if "0" <= s[0] <= "9" else (1, s) for s in segments[index:]]
        pre_key = (0, *pre) if pre else _RELEASE
        return VersionKey((_REGION, strip_trailing_zeros(numbers), pre_key))


COCOAPODS: Final = CocoaPodsScheme()

"""RubyGems versions: ``Gem::Version#<=>``.

* Valid versions match ``Gem::Version::ANCHORED_VERSION_PATTERN`` (digits, then
  ``.``-separated alphanumeric segments, then an optional ``-`` pre-release); surrounding
  whitespace is ignored and an empty string means ``0``.
* Each ``-`` is read as ``.pre.``; the string is then cut into segments at dots *and*
  at digit/letter boundaries (``1.0.a10`` -> ``1, 0, "a", 10``).
* Any letter segment makes the version a pre-release, because letters sort below every
  number: ``1.0.a < 1.0``, ``1.0.0-1 < 1``.
* Trailing zeros of the numeric head and of the remainder are not significant
  (``canonical_segments``): ``1.0 == 1.0.0``, ``0.beta.1 == 0.0.beta.1``.
* Segments compare left to right with the shorter side padded with ``0``; strings compare
  case-sensitively by bytes (``1.A < 1.a``).

The key encodes "padded with zeros" exactly, with the run folding described in
:mod:`bastion.versions.fallback` (whose generic rule is this very comparison).

Leniency: a leading ``v`` is stripped but the key is marked ``exact=False``. Fallback:
strings Gem::Version rejects (``1..2``, ``1.0+build``, ``junk``) get the generic key in
region 0, below all valid versions, ``exact=False``.
"""

from __future__ import annotations

import re
from typing import Final

from bastion.versions.base import VersionKey, parse_int
from bastion.versions.fallback import Segment, fallback_key, zero_padded_key

_GEM: Final = re.compile(
    r"\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?\s*"
)
_SEGMENTS: Final = re.compile(r"[0-9]+|[a-zA-Z]+")
_REGION: Final = 1


def canonical_segments(version: str) -> list[Segment]:
    segments: list[Segment] = [
        parse_int(s) if "0" <= s[0] <= "9" else s
        for s in _SEGMENTS.findall(version.replace("-", ".pre."))
    ]
    first_string = next((i for i, s in enumerate(segments) if isinstance(s, str)), len(segments))
    head, tail = segments[:first_string], segments[first_string:]
    while head and head[-1] == 0:
        head.pop()
    while tail and tail[-1] == 0:
        tail.pop()
    return head + tail


class RubyGemsScheme:
    def parse(self, version: str) -> VersionKey:
        exact = True
        text = version.strip()
        if text[:1] in ("v", "V") and text[1:2].isdigit():
            text, exact = text[1:], False
        match = _GEM.fullmatch(text)
        if match is None:
            return fallback_key(version)
        body = match[1] or "0"
        return VersionKey((_REGION, zero_padded_key(canonical_segments(body))), exact)


RUBYGEMS: Final = RubyGemsScheme()

"""NuGet versions: ``NuGet.Versioning``'s ``VersionComparer.Default``.

* Up to four numeric parts (``Major.Minor.Patch.Revision``); missing parts are zero, so
  ``1.0`` == ``1.0.0`` == ``1.0.0.0``, and leading zeros are insignificant (``1.0.01``).
* A release sorts after all of its pre-releases. Pre-release labels are split on ``.``
  and compared left to right; a label is numeric when ``Int32.TryParse`` accepts it
  (so ``-1`` is numeric and ``99999999999`` is not), numeric labels compare as numbers
  and sort below non-numeric ones, non-numeric labels compare with
  ``StringComparer.OrdinalIgnoreCase`` (``1.0.0-BETA`` == ``1.0.0-beta``). More labels
  sort later when the shorter list is a prefix.
* Build metadata (``+...``) is ignored.

Leniency: a leading ``v`` and a hyphen-less pre-release (``1.0.0rc1``) are accepted, and
release parts may be arbitrarily large. Fallback: five or more parts or any other
unparsable string get the generic key in region 0 (below all valid versions),
``exact=False``.
"""

from __future__ import annotations

import re
from typing import Final

from bastion.versions.base import VersionKey, parse_int
from bastion.versions.fallback import fallback_key

_NUGET: Final = re.compile(
    r"""
    \s*[vV]?
    (?P<release>[0-9]+(?:\.[0-9]+){0,3})
    (?:
        -(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)
      | \.?(?P<bare>[A-Za-z][0-9A-Za-z-]*(?:\.[0-9A-Za-z-]+)*)
    )?
    (?:\+[0-9A-Za-z.-]+)?
    \s*
    """,
    re.VERBOSE,
)
_INT32_LABEL: Final = re.compile(r"-?[0-9]+")
_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1
_RELEASE: Final = (1,)
_REGION: Final = 1


def _label_key(label: str) -> tuple[int, int] | tuple[int, str]:
    if _INT32_LABEL.fullmatch(label):
        number = parse_int(label.lstrip("-"))
        if label.startswith("-"):
            number = -number
        if _INT32_MIN <= number <= _INT32_MAX:
            return (0, number)
    # OrdinalIgnoreCase compares upper-cased UTF-16 code units; labels are ASCII here.
    return (1, label.upper())


class NuGetScheme:
    def parse(self, version: str) -> VersionKey:
        match = _NUGET.fullmatch(version)
        if match is None:
            return fallback_key(version)
        numbers = [parse_int(n) for n in match["release"].split(".")]
        numbers.extend([0] * (4 - len(numbers)))
        pre = match["pre"] if match["pre"] is not None else match["bare"]
        pre_key = _RELEASE if pre is None else (0, *map(_label_key, pre.split(".")))
        return VersionKey((_REGION, tuple(numbers), pre_key))


NUGET: Final = NuGetScheme()

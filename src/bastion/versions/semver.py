"""Semantic Versioning 2.0 precedence, parsed leniently.

Used for npm, crates.io, SwiftURL and Hex (Elixir's ``Version`` is SemVer 2.0), for
OSV's ``SEMVER`` range type whatever the ecosystem, and as the base of the Go scheme.

Precedence (semver.org §11): numeric release components compare numerically; a version
with a pre-release sorts before the same release without one; pre-release identifiers
compare left to right, numeric ones numerically, alphanumeric ones in ASCII order, numeric
below alphanumeric, and a shorter list of identifiers sorts first when it is a prefix of
the longer. Build metadata (``+...``, including Go's ``+incompatible``) is ignored.

Leniency, because advisories and lockfiles are written by hand and by many tools:

* surrounding whitespace, a leading ``=`` (npm) and a leading ``v``/``V`` are accepted
  (node-semver's loose mode even allows ``v 1.2.3``);
* any number of release components (``1``, ``1.2``, ``1.2.3.4``); missing or trailing
  zero components are equal (``1`` == ``1.0.0`` == ``1.0.0.0``), extra non-zero ones
  sort after (``1.2.3.4 > 1.2.3``);
* a pre-release written without the hyphen (``0.12.0rc1``, ``1.0.0.beta.2``) is the
  pre-release ``rc1`` / ``beta.2``;
* numbers of any size (Python ints) and numeric identifiers with leading zeros.

Fallback: anything else (``latest``, ``1.x``, ``1.0.0-`` ...) gets the generic key of
:mod:`bastion.versions.fallback` in region 0, below every parsable version, with
``exact=False``. Go's module tooling makes the same choice (invalid versions sort lowest).
"""

from __future__ import annotations

import re
from typing import Final

from bastion.versions.base import VersionKey, is_ascii_digits, parse_int, strip_trailing_zeros
from bastion.versions.fallback import fallback_key

_SEMVER: Final = re.compile(
    r"""
    \s*=?\s*(?:[vV]\s*)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?:
        -(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)
      | \.?(?P<bare>[A-Za-z][0-9A-Za-z-]*(?:\.[0-9A-Za-z-]+)*)
    )?
    (?:\+(?P<build>[0-9A-Za-z.-]+))?
    \s*
    """,
    re.VERBOSE,
)

Identifier = tuple[int, int] | tuple[int, str]

_WILDCARDS: Final = frozenset({"x", "X"})
_RELEASE: Final = (1,)
_REGION: Final = 1


def identifier_key(identifier: str) -> Identifier:
    """SemVer §11.4: numeric identifiers (tag 0) sort below alphanumeric ones (tag 1)."""
    if is_ascii_digits(identifier):
        return (0, parse_int(identifier))
    return (1, identifier)


def split_semver(version: str) -> tuple[tuple[int, ...], str | None, str | None] | None:
    """(release with trailing zeros dropped, pre-release text, build text), or None."""
    match = _SEMVER.fullmatch(version)
    if match is None:
        return None
    pre = match["pre"]
    if pre is None and (bare := match["bare"]) is not None:
        if bare.split(".", 1)[0] in _WILDCARDS:
            return None  # 1.x is a range, not a pre-release called "x"
        pre = bare
    release = strip_trailing_zeros([parse_int(n) for n in match["release"].split(".")])
    return release, pre, match["build"]


def prerelease_key(pre: str | None) -> tuple[object, ...]:
    """``(1,)`` for a release, ``(0, ids...)`` for a pre-release, so releases sort last."""
    if pre is None:
        return _RELEASE
    return (0, *map(identifier_key, pre.split(".")))


def parse_semver(version: str) -> VersionKey:
    parts = split_semver(version)
    if parts is None:
        return fallback_key(version)
    release, pre, _build = parts
    return VersionKey((_REGION, release, prerelease_key(pre)))


class SemverScheme:
    def parse(self, version: str) -> VersionKey:
        return parse_semver(version)


SEMVER: Final = SemverScheme()

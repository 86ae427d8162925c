"""Exact, per-ecosystem version ordering.

Each ecosystem's registry orders versions its own way (PEP 440, Maven's
``ComparableVersion``, dpkg, apk, Composer, NuGet, RubyGems, SemVer and its dialects), and
a vulnerability range is only as correct as the comparison behind it. Each scheme lives
in its own module and turns a version string into a :class:`VersionKey` whose tuple order
is the ecosystem's order; see the module docstrings for the exact rules, the accepted
sloppiness and the fallback used for strings the ecosystem would reject.

Nothing here raises on bad input: every string gets a key. Keys from a documented
fallback rule have ``exact=False``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final, assert_never

from bastion.ecosystems import Ecosystem, parse_ecosystem
from bastion.versions.alpine import ALPINE
from bastion.versions.base import VersionKey, VersionScheme
from bastion.versions.cocoapods import COCOAPODS
from bastion.versions.debian import DEBIAN
from bastion.versions.fallback import fallback_key
from bastion.versions.go import GO
from bastion.versions.hex import HEX
from bastion.versions.maven import MAVEN
from bastion.versions.nuget import NUGET
from bastion.versions.packagist import PACKAGIST
from bastion.versions.pub import PUB
from bastion.versions.pypi import PYPI
from bastion.versions.rubygems import RUBYGEMS
from bastion.versions.semver import SEMVER, parse_semver

__all__ = [
    "VersionKey",
    "VersionScheme",
    "compare_versions",
    "scheme_for",
    "semver_key",
    "version_key",
]

# Enough for every distinct version in a large advisory mirror plus a big lockfile; the
# cache is what makes repeated range checks cheap, so it is generous.
_CACHE_SIZE: Final = 65536


def scheme_for(ecosystem: Ecosystem) -> VersionScheme:
    # A match with assert_never (not a dict) so that adding an Ecosystem member without
    # deciding its ordering is a type error.
    match ecosystem:
        case Ecosystem.NPM | Ecosystem.CRATES_IO | Ecosystem.SWIFTURL:
            return SEMVER
        case Ecosystem.GO:
            return GO
        case Ecosystem.HEX:
            return HEX
        case Ecosystem.PYPI:
            return PYPI
        case Ecosystem.MAVEN:
            return MAVEN
        case Ecosystem.RUBYGEMS:
            return RUBYGEMS
        case Ecosystem.NUGET:
            return NUGET
        case Ecosystem.PACKAGIST:
            return PACKAGIST
        case Ecosystem.COCOAPODS:
            return COCOAPODS
        case Ecosystem.PUB:
            return PUB
        case Ecosystem.DEBIAN:
            return DEBIAN
        case Ecosystem.ALPINE:
            return ALPINE
        case _:
            assert_never(ecosystem)


_SCHEMES: Final[dict[Ecosystem, VersionScheme]] = {e: scheme_for(e) for e in Ecosystem}


@lru_cache(maxsize=_CACHE_SIZE)
def version_key(ecosystem: Ecosystem, version: str) -> VersionKey:
    """The ordering key of ``version`` under ``ecosystem``'s rules. Never raises.

    The schemes are written not to raise; the ``except`` is a last line of defence so that
    one malformed string in a lockfile cannot abort a whole scan. Such a string gets the
    generic fallback key (region 0, below every real version, ``exact=False``).
    """
    try:
        return _SCHEMES[ecosystem].parse(version)
    except Exception:
        return fallback_key(version)


@lru_cache(maxsize=_CACHE_SIZE)
def semver_key(version: str) -> VersionKey:
    """The key for OSV's ``SEMVER`` range type, whatever the package's ecosystem.

    Lenient SemVer 2.0 (see :mod:`bastion.versions.semver`): optional ``v``, one to any
    number of numeric components, hyphen-less pre-releases, build metadata ignored.
    """
    try:
        return parse_semver(version)
    except Exception:
        return fallback_key(version)


@lru_cache(maxsize=_CACHE_SIZE)
def _generic_key(version: str) -> VersionKey:
    return fallback_key(version)


@lru_cache(maxsize=256)
def _lookup_ecosystem(name: str) -> Ecosystem | None:
    return parse_ecosystem(name)


def compare_versions(ecosystem: str | Ecosystem, a: str, b: str) -> int:
    """Negative, zero or positive as ``a`` sorts before, with or after ``b``. Never raises.

    ``ecosystem`` may be an OSV ecosystem string, including release-qualified ones such as
    ``Debian:12`` or ``Alpine:v3.19``. An ecosystem string this module does not know is not
    an error: both versions are then ordered by the generic rule of
    :mod:`bastion.versions.fallback` (numbers numerically, letters as pre-releases).
    Non-string versions are converted with ``str()``.
    """
    if not isinstance(a, str):
        a = str(a)
    if not isinstance(b, str):
        b = str(b)
    resolved = ecosystem if isinstance(ecosystem, Ecosystem) else _lookup_ecosystem(ecosystem)
    if resolved is None:
        key_a, key_b = _generic_key(a).key, _generic_key(b).key
    else:
        key_a, key_b = version_key(resolved, a).key, version_key(resolved, b).key
    return (key_a > key_b) - (key_a < key_b)

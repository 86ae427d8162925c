"""OSV ecosystem names and the per-ecosystem rules for package names.

Every place that needs to know "which ecosystem" goes through :class:`Ecosystem`, so a
new ecosystem is added here first and the type checker points at everything else.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import assert_never


class Ecosystem(StrEnum):
    NPM = "npm"
    PYPI = "PyPI"
    GO = "Go"
    CRATES_IO = "crates.io"
    RUBYGEMS = "RubyGems"
    MAVEN = "Maven"
    NUGET = "NuGet"
    PACKAGIST = "Packagist"
    COCOAPODS = "CocoaPods"
    PUB = "Pub"
    HEX = "Hex"
    SWIFTURL = "SwiftURL"
    DEBIAN = "Debian"
    ALPINE = "Alpine"


_BY_LOWER = {e.value.lower(): e for e in Ecosystem}


def parse_ecosystem(name: str) -> Ecosystem | None:
    """Map an OSV ecosystem string to an :class:`Ecosystem`.

    OSV qualifies some ecosystems with a release (``Debian:11``, ``Alpine:v3.16``); the
    part before the colon decides the ordering rules. Matching is case-insensitive because
    hand-written records and CLI users are not always careful with case.
    """
    base = name.split(":", 1)[0].strip().lower()
    return _BY_LOWER.get(base)


_PEP503 = re.compile(r"[-_.]+")


def normalize_package_name(ecosystem: Ecosystem, name: str) -> str:
    """The key under which advisories and dependencies for ``name`` meet.

    Each ecosystem's registry decides which spellings denote the same package.
    """
    name = name.strip()
    match ecosystem:
        case Ecosystem.PYPI:
            return _PEP503.sub("-", name).lower()  # PEP 503
        case Ecosystem.CRATES_IO:
            # crates.io treats names case-insensitively and '-' and '_' as the same.
            return name.lower().replace("_", "-")
        case Ecosystem.NUGET | Ecosystem.PACKAGIST | Ecosystem.PUB | Ecosystem.HEX:
            return name.lower()
        case Ecosystem.SWIFTURL:
            lowered = name.lower()
            for prefix in ("https://", "http://"):
                lowered = lowered.removeprefix(prefix)
            return lowered.removesuffix(".git").rstrip("/")
        case (
            Ecosystem.NPM
            | Ecosystem.GO
            | Ecosystem.RUBYGEMS
            | Ecosystem.MAVEN
            | Ecosystem.COCOAPODS
            | Ecosystem.DEBIAN
            | Ecosystem.ALPINE
        ):
            return name
        case _:
            assert_never(ecosystem)

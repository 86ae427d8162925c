"""Pub (Dart) versions: ``package:pub_semver``'s ``Version.compareTo``.

Pub follows SemVer 2.0 for the release and pre-release parts, with one deliberate
difference: build metadata is *not* ignored. A version with build metadata sorts after the
same version without it (``1.0.0 < 1.0.0+1``), and two build suffixes compare like
pre-release identifiers (numbers numerically and below strings, shorter prefix first). Pub
uses this for patched re-releases, so ``1.2.3+1`` really is newer than ``1.2.3``.

Accepted spellings and the region-0 fallback are those of :mod:`bastion.versions.semver`
(leading ``v``, any number of components, hyphen-less pre-releases such as ``1.0.0rc1``).
"""

from __future__ import annotations

from typing import Final

from bastion.versions.base import VersionKey
from bastion.versions.fallback import fallback_key
from bastion.versions.semver import identifier_key, prerelease_key, split_semver

_NO_BUILD: Final = (0,)
_REGION: Final = 1


class PubScheme:
    def parse(self, version: str) -> VersionKey:
        parts = split_semver(version)
        if parts is None:
            return fallback_key(version)
        release, pre, build = parts
        build_key = _NO_BUILD if build is None else (1, *map(identifier_key, build.split(".")))
        return VersionKey((_REGION, release, prerelease_key(pre), build_key))


PUB: Final = PubScheme()

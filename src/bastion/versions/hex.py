"""Hex (Elixir/Erlang) versions: Elixir's ``Version`` module, which is SemVer 2.0.

``Version.compare/2`` ignores build metadata and orders pre-releases per semver.org, so
Hex shares the lenient SemVer scheme; see :mod:`bastion.versions.semver` for the accepted
spellings and the fallback rule. Elixir itself only accepts ``MAJOR.MINOR.PATCH``; shorter
and longer forms are accepted here because hand-written advisories contain them.
"""

from __future__ import annotations

from typing import Final

from bastion.versions.semver import SemverScheme

HEX: Final = SemverScheme()

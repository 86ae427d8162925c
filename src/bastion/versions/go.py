"""Go module versions: SemVer with Go's conventions (golang.org/x/mod/semver).

* The ``v`` prefix is optional: the Go toolchain requires it, OSV records omit it.
* ``+incompatible`` (a v2+ module without a go.mod) is build metadata and ignored, like
  every other build suffix.
* Pseudo-versions need no special case: ``v0.0.0-20191109021931-daa7c04131f5`` and
  ``v1.2.4-0.20191109021931-daa7c04131f5`` are ordinary SemVer pre-releases whose
  timestamp identifier has a fixed width, so ASCII order is chronological order, and they
  sort before the release they precede, which is exactly what the go command does.
* A ``go`` prefix (``go1.21.3``, used for the standard library and toolchain) is dropped.
  Go's toolchain ordering of bare language versions (``1.21`` < ``1.21rc1`` < ``1.21.0``)
  is not reproduced; OSV's Go records use full ``1.21.0`` style versions.

Fallback: as :mod:`bastion.versions.semver` (region 0, below every valid version; Go's own
``semver.Compare`` also puts invalid versions below valid ones).
"""

from __future__ import annotations

from typing import Final

from bastion.versions.base import VersionKey
from bastion.versions.semver import parse_semver


class GoScheme:
    def parse(self, version: str) -> VersionKey:
        stripped = version.strip()
        if stripped.startswith("go"):
            stripped = stripped[2:]
        return parse_semver(stripped)


GO: Final = GoScheme()

"""Every extractor, by name: the one place a new format is plugged in."""

from __future__ import annotations

from pathlib import PurePosixPath

from bastion.sca.extractors.base import Extractor
from bastion.sca.extractors.cargo.cargolock import CargoLockExtractor
from bastion.sca.extractors.go.gomod import GoModExtractor
from bastion.sca.extractors.npm.packagelock import PackageLockExtractor
from bastion.sca.extractors.pypi.requirements import RequirementsExtractor

# Extractors are stateless, so one instance each serves every file.
EXTRACTORS: dict[str, Extractor] = {
    extractor.name: extractor
    for extractor in (
        PackageLockExtractor(),
        RequirementsExtractor(),
        GoModExtractor(),
        CargoLockExtractor(),
    )
}


def extractor_for(path: PurePosixPath) -> Extractor | None:
    """The extractor that reads ``path`` (repo-relative), or None for other files."""
    for extractor in EXTRACTORS.values():
        if extractor.wants(path):
            return extractor
    return None

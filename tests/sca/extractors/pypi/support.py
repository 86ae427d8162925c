"""Run a PyPI extractor on a fixture directory, the way the walker would."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, Extractor

TESTDATA = Path(__file__).parent / "testdata"

# (name, version, direct, group, path)
Row = tuple[str, str | None, bool, str | None, tuple[str, ...]]


def extract_in(extractor: Extractor, root: Path, relative: str) -> list[Dependency]:
    """Extract ``root/relative``; other files are read relative to ``root`` only."""

    def read_relative(path: PurePosixPath) -> bytes | None:
        if path.is_absolute() or ".." in path.parts:
            return None
        file = root / path
        return file.read_bytes() if file.is_file() else None

    path = PurePosixPath(relative)
    return extractor.extract(ExtractInput(path, (root / path).read_bytes(), read_relative))


def extract_bytes(extractor: Extractor, data: bytes, name: str) -> list[Dependency]:
    return extractor.extract(ExtractInput(PurePosixPath(name), data))


def rows(deps: list[Dependency]) -> list[Row]:
    return [(d.name, d.version, d.direct, d.group, d.path) for d in deps]


def by_name(deps: list[Dependency]) -> dict[str, Dependency]:
    """The last entry per name: only for fixtures where names are unique."""
    return {d.name: d for d in deps}

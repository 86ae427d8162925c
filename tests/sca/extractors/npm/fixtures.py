"""Running an extractor over a fixture folder, the way the walker would."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, Extractor

TESTDATA = Path(__file__).parent / "testdata"

# (name, version, direct, group, line, path, note)
Row = tuple[str, str | None, bool, str | None, int | None, tuple[str, ...], str | None]


def rows(deps: list[Dependency]) -> list[Row]:
    return [(d.name, d.version, d.direct, d.group, d.line, d.path, d.note) for d in deps]


def extract_folder(
    extractor: Extractor,
    folder: str,
    file_name: str,
    *,
    neighbours: bool = True,
    text: str | None = None,
) -> list[Dependency]:
    """Extract ``folder/file_name`` (or ``text`` in its place); the other files of the
    folder are readable as the rest of the repository."""
    root = TESTDATA / folder

    def read(path: PurePosixPath) -> bytes | None:
        target = root / path
        return target.read_bytes() if neighbours and target.is_file() else None

    data = (root / file_name).read_bytes() if text is None else text.encode()
    return extractor.extract(ExtractInput(PurePosixPath(file_name), data, read))


def extract_text(extractor: Extractor, text: str, file_name: str) -> list[Dependency]:
    return extractor.extract(ExtractInput(PurePosixPath(file_name), text.encode()))

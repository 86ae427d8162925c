"""The one interface every lockfile/manifest format implements.

An extractor is chosen by path alone (``wants``) and parses the bytes it is handed
(``extract``); the walker owns file access, size limits and error collection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import ClassVar, Protocol

from bastion.models import Dependency


class ExtractionError(Exception):
    """The file could not be read as its format. ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _nothing(_path: PurePosixPath) -> bytes | None:
    return None


@dataclass(frozen=True, slots=True)
class ExtractInput:
    """What an extractor sees: the repo-relative path and the raw bytes.

    ``read_relative`` returns the bytes of another repo-relative file (a manifest beside a
    lockfile, an included requirements file, a parent POM), or None when it does not exist
    or lies outside the scanned tree. The walker applies its size limits to these reads
    too, so extractors never touch the filesystem themselves.
    """

    path: PurePosixPath
    data: bytes
    read_relative: Callable[[PurePosixPath], bytes | None] = field(default=_nothing)

    def sibling(self, name: str) -> bytes | None:
        """A file in the same directory, e.g. the ``package.json`` beside a ``yarn.lock``."""
        return self.read_relative(self.path.parent / name)

    def text(self) -> str:
        try:
            return self.data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ExtractionError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


class Extractor(Protocol):
    #: ``<ecosystem>/<format>``, unique across the registry.
    name: ClassVar[str]
    #: File names that, in the same directory, make this file redundant: a manifest gives
    #: way to its lockfile (``package.json`` to ``yarn.lock``), ``package-lock.json`` to
    #: ``npm-shrinkwrap.json``.
    superseded_by: ClassVar[frozenset[str]]

    def wants(self, path: PurePosixPath) -> bool:
        """True when ``path`` (repo-relative) is a file of this format."""
        ...

    def extract(self, source: ExtractInput) -> list[Dependency]:
        """Parse the file. Raises only :class:`ExtractionError`."""
        ...

"""The one interface every lockfile/manifest format implements.

An extractor is chosen by path alone (``wants``) and parses the bytes it is handed
(``extract``); the walker owns file access, size limits and error collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar, Protocol

from bastion.models import Dependency


class ExtractionError(Exception):
    """The file could not be read as its format. ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class ExtractInput:
    """What an extractor sees: the repo-relative path and the raw bytes."""

    path: PurePosixPath
    data: bytes

    def text(self) -> str:
        try:
            return self.data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ExtractionError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


class Extractor(Protocol):
    #: ``<ecosystem>/<format>``, unique across the registry.
    name: ClassVar[str]

    def wants(self, path: PurePosixPath) -> bool:
        """True when ``path`` (repo-relative) is a file of this format."""
        ...

    def extract(self, source: ExtractInput) -> list[Dependency]:
        """Parse the file. Raises only :class:`ExtractionError`."""
        ...

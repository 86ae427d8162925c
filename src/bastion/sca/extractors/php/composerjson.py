"""Composer ``composer.json`` as a manifest, for projects without a ``composer.lock``.

``require`` and ``require-dev`` (group "dev") name version constraints, not installed
versions: every package is listed without a version, with its constraint in the note.
Platform requirements (``php``, ``ext-*``, ``lib-*``, ``composer-plugin-api``...) have no
vendor prefix and are not packages.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._json import kind, load_json
from bastion.sca.extractors.base import ExtractInput, ExtractionError

_FILENAME = "composer.json"
_SECTIONS = (("require", None), ("require-dev", "dev"))


class ComposerJsonExtractor:
    name: ClassVar[str] = "php/composerjson"
    superseded_by: ClassVar[frozenset[str]] = frozenset({"composer.lock"})

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == _FILENAME

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_json(text)
        if not isinstance(doc, dict):
            raise ExtractionError(f"expected a JSON object at the top, got {kind(doc)}", 1)
        where = str(source.path)
        found: list[Dependency] = []
        for section, group in _SECTIONS:
            requires = doc.get(section)
            if requires is None:
                continue
            # Composer accepts an empty array for an empty map (PHP's json_encode of []).
            if requires == []:
                continue
            if not isinstance(requires, dict):
                raise ExtractionError(f"'{section}' should be an object, got {kind(requires)}")
            lines = _KeyLines(text, section)
            for name, constraint in requires.items():
                line = lines.find(name)
                if not isinstance(constraint, str):
                    raise ExtractionError(
                        f"the constraint of {name!r} in '{section}' should be a string, "
                        f"got {kind(constraint)}",
                        line,
                    )
                if "/" not in name:
                    continue  # a platform requirement
                found.append(
                    Dependency(
                        name=name,
                        version=None,
                        ecosystem=Ecosystem.PACKAGIST,
                        direct=True,
                        source=where,
                        line=line,
                        extractor=self.name,
                        group=group,
                        path=(name,),
                        note=f"declared constraint {constraint.strip()!r}, not resolved",
                    )
                )
        return found


class _KeyLines:
    """Lines of the keys of one top-level section, searched forward from its start."""

    def __init__(self, text: str, section: str) -> None:
        self._text = text
        start = re.search(rf'"{re.escape(section)}"\s*:\s*\{{', text)
        self._position = start.start() if start else len(text)
        self._line = 1 + text.count("\n", 0, self._position)
        self._lost = start is None

    def find(self, key: str) -> int | None:
        if self._lost:
            return None
        quoted = re.escape(key).replace("/", r"\\?/")
        match = re.compile(rf'"{quoted}"\s*:').search(self._text, self._position)
        if match is None:
            # Escaped spellings: stop rather than scan the rest of the file for each key.
            self._lost = True
            return None
        self._line += self._text.count("\n", self._position, match.start())
        self._position = match.start()
        return self._line

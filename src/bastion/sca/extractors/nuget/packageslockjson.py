"""NuGet ``packages.lock.json`` (lock file versions 1 and 2).

One section per target framework (and per runtime, ``net8.0/win-x64``) maps each package
to its ``type`` (``Direct``, ``Transitive``, ``CentralTransitive`` for a transitive
package pinned by central package management, ``Project`` for a referenced project of
the same repository), the ``resolved`` version and the names it depends on.

The same package at the same version usually appears in every framework; it is reported
once (first line, direct if direct anywhere, the shortest path found). Different versions
in different frameworks are all reported. Project references have no version of their
own: they are listed as "local" packages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._graph import shortest_paths
from bastion.sca.extractors._json import OrderedKeyLines, kind, load_json
from bastion.sca.extractors.base import ExtractInput, ExtractionError

_FILENAME = "packages.lock.json"
# A key whose value is an object: frameworks and packages. A package's own
# "dependencies" map matches too and is skipped over, since it holds only strings.
_OBJECT_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*\{')


@dataclass(slots=True)
class _Entry:
    name: str
    version: str | None
    kind: str  # lowercase type
    line: int | None
    requires: tuple[str, ...]


@dataclass(slots=True)
class _Found:
    name: str
    version: str | None
    direct: bool
    local: bool
    line: int | None
    path: tuple[str, ...]


class PackagesLockJsonExtractor:
    name: ClassVar[str] = "nuget/packageslockjson"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == _FILENAME

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_json(text)
        if not isinstance(doc, dict):
            raise ExtractionError("expected a JSON object at the top", 1)
        version = doc.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise ExtractionError(f"'version' should be a number, got {kind(version)}")
        frameworks = doc.get("dependencies", {})
        if not isinstance(frameworks, dict):
            raise ExtractionError("'dependencies' should map target frameworks to packages")

        lines = OrderedKeyLines(text, _OBJECT_KEY)
        # Keyed by (lowercase name, version): NuGet ids are case-insensitive.
        found: dict[tuple[str, str | None], _Found] = {}
        for framework, packages in frameworks.items():
            framework_line = lines.find(framework)
            if not isinstance(packages, dict):
                raise ExtractionError(
                    f"framework {framework!r} should map package names to objects", framework_line
                )
            entries = [_entry(name, raw, lines.find(name)) for name, raw in packages.items()]
            for entry, direct, path in _walk(entries):
                key = (entry.name.lower(), entry.version)
                previous = found.get(key)
                if previous is None:
                    found[key] = _Found(
                        entry.name, entry.version, direct, entry.kind == "project", entry.line, path
                    )
                    continue
                previous.direct = previous.direct or direct
                if path and (not previous.path or len(path) < len(previous.path)):
                    previous.path = path

        where = str(source.path)
        return [
            Dependency(
                name=item.name,
                version=item.version,
                ecosystem=Ecosystem.NUGET,
                direct=item.direct,
                source=where,
                line=item.line,
                extractor=self.name,
                group="local" if item.local else None,
                path=item.path,
                note=(
                    "project reference in this repository, no package version"
                    if item.local
                    else None
                    if item.version
                    else "no resolved version in the lock file"
                ),
            )
            for item in found.values()
        ]


def _entry(name: str, raw: object, line: int | None) -> _Entry:
    if not isinstance(raw, dict):
        raise ExtractionError(f"package {name!r} should be an object, got {kind(raw)}", line)
    if not name.strip():
        raise ExtractionError("a package has an empty name", line)
    declared = raw.get("type", "")
    if not isinstance(declared, str):
        raise ExtractionError(f"'type' of package {name!r} should be a string", line)
    resolved = raw.get("resolved")
    if resolved is not None and not isinstance(resolved, str):
        raise ExtractionError(f"'resolved' of package {name!r} should be a string", line)
    requires = raw.get("dependencies", {})
    if not isinstance(requires, dict):
        raise ExtractionError(f"'dependencies' of package {name!r} should be an object", line)
    lowered = declared.lower()
    return _Entry(
        name=name,
        version=None if lowered == "project" else (resolved or None),
        kind=lowered,
        line=line,
        requires=tuple(requires),
    )


def _walk(entries: list[_Entry]) -> list[tuple[_Entry, bool, tuple[str, ...]]]:
    """(entry, direct, shortest path) for one framework's packages: one BFS."""
    by_name = {entry.name.lower(): index for index, entry in enumerate(entries)}
    required = {
        by_name[name.lower()]
        for entry in entries
        for name in entry.requires
        if name.lower() in by_name
    }
    # Project references of projects show up too; only the ones no other entry needs are
    # referenced by this project itself.
    direct = [
        index
        for index, entry in enumerate(entries)
        if entry.kind == "direct" or (entry.kind == "project" and index not in required)
    ]

    def requires(index: int) -> Iterable[int]:
        found = (by_name.get(name.lower()) for name in entries[index].requires)
        return (child for child in found if child is not None)

    paths = shortest_paths(direct, requires, lambda index: entries[index].name)
    direct_set = set(direct)
    return [
        (entry, index in direct_set, paths.get(index, ())) for index, entry in enumerate(entries)
    ]

"""Rust ``Cargo.lock``, format versions 1 to 4.

Every version lists ``[[package]]`` tables with ``name``, ``version``, an optional
``source`` and ``dependencies`` written as ``"name"``, ``"name version"`` or
``"name version (source)"``: Cargo writes only as much as it takes to be unambiguous
(v1 always wrote all three and kept checksums in ``[metadata]``, which is not needed).

Packages without ``source`` are the workspace's own crates. The ones no other package
depends on are the roots (the project itself) and are left out; local crates that some
package depends on stay, marked as local.

Crates carry no license: a lockfile records none, and only the crate's own registry
metadata would say.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._graph import shortest_paths
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.cargo._toml import load_toml

_PACKAGE_HEADER = re.compile(r"\s*\[\[\s*package\s*\]\]\s*(?:#.*)?")
_TABLE_HEADER = re.compile(r"\s*\[")
_NAME_KEY = re.compile(r"""\s*(?:name|"name"|'name')\s*=""")
_CRATES_IO_SOURCES = frozenset(
    {
        "registry+https://github.com/rust-lang/crates.io-index",
        "sparse+https://index.crates.io/",
    }
)


@dataclass(frozen=True, slots=True)
class _Package:
    name: str
    version: str
    source: str | None
    dependencies: tuple[str, ...]
    line: int | None


class CargoLockExtractor:
    name: ClassVar[str] = "cargo/cargolock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "Cargo.lock"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_toml(text)

        version = doc.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise ExtractionError(f"'version' should be a number, got {version!r}")
        packages = _packages(doc.get("package", []), _package_lines(text))

        by_name: dict[str, list[int]] = {}
        for index, package in enumerate(packages):
            by_name.setdefault(package.name, []).append(index)
        edges = [
            [_find(packages, by_name, ref) for ref in package.dependencies] for package in packages
        ]
        depended_on = {target for targets in edges for target in targets if target is not None}
        roots = [
            index
            for index, package in enumerate(packages)
            if package.source is None and index not in depended_on
        ]
        direct = {target for root in roots for target in edges[root] if target is not None}
        paths = _shortest_paths(packages, edges, roots)

        where = str(source.path)
        root_set = set(roots)
        return [
            Dependency(
                name=package.name,
                version=package.version,
                ecosystem=Ecosystem.CRATES_IO,
                direct=index in direct,
                source=where,
                line=package.line,
                extractor=self.name,
                group="local" if package.source is None else None,
                path=paths.get(index, ()),
                note=_note(package.source),
            )
            for index, package in enumerate(packages)
            if index not in root_set
        ]


def _packages(raw: object, lines: list[int]) -> list[_Package]:
    if not isinstance(raw, list):
        raise ExtractionError("'package' should be an array of tables")
    # Line numbers are only trusted when every table was found in the text.
    known = len(lines) == len(raw)
    packages: list[_Package] = []
    for index, entry in enumerate(raw):
        line = lines[index] if known else None
        if not isinstance(entry, dict):
            raise ExtractionError("'package' entries should be tables", line)
        name, version, source = entry.get("name"), entry.get("version"), entry.get("source")
        if not isinstance(name, str) or not name:
            raise ExtractionError("package has no 'name'", line)
        if not isinstance(version, str) or not version:
            raise ExtractionError(f"package {name} has no 'version'", line)
        if source is not None and not isinstance(source, str):
            raise ExtractionError(f"'source' of package {name} should be a string", line)
        dependencies = entry.get("dependencies", [])
        if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
            raise ExtractionError(f"'dependencies' of package {name} should be strings", line)
        packages.append(_Package(name, version, source, tuple(dependencies), line))
    return packages


def _package_lines(text: str) -> list[int]:
    """Line of the ``name =`` key of each ``[[package]]`` table, in file order."""
    lines: list[int] = []
    in_package = False
    for number, line in enumerate(text.split("\n"), start=1):
        if _PACKAGE_HEADER.fullmatch(line.rstrip("\r")):
            in_package = True
        elif _TABLE_HEADER.match(line):
            in_package = False
        elif in_package and _NAME_KEY.match(line):
            lines.append(number)
            in_package = False
    return lines


def _find(packages: list[_Package], by_name: dict[str, list[int]], reference: str) -> int | None:
    """The package a ``dependencies`` entry names, or None when nothing matches."""
    name, _, rest = reference.partition(" ")
    version, _, source = rest.partition(" ")
    source = source.removeprefix("(").removesuffix(")")
    matches = [
        index
        for index in by_name.get(name, ())
        if (not version or packages[index].version == version)
        and (not source or packages[index].source == source)
    ]
    # Cargo writes enough to be unambiguous; anything else is a damaged file, and a
    # missing edge only shortens a path.
    return matches[0] if len(matches) == 1 else None


def _shortest_paths(
    packages: list[_Package], edges: list[list[int | None]], roots: list[int]
) -> dict[int, tuple[str, ...]]:
    """Names from a direct dependency down to each package reachable from a root."""

    def children(index: int) -> Iterator[int]:
        return (target for target in edges[index] if target is not None)

    direct = [target for root in roots for target in children(root)]
    return shortest_paths(direct, children, lambda index: packages[index].name)


def _note(source: str | None) -> str | None:
    if source is None:
        return "local crate"
    if source in _CRATES_IO_SOURCES:
        return None
    if source.startswith("git+"):
        return f"from git ({source})"
    return f"from another registry ({source})"

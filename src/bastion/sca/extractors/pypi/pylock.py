"""PEP 751 lockfiles: ``pylock.toml`` and ``pylock.<name>.toml`` (``lock-version = "1.0"``).

``[[packages]]`` tables carry ``name``, ``version`` (optional: source trees and VCS
checkouts usually have none), where the package comes from (``index`` with ``sdist`` or
``wheels``, ``vcs``, ``directory`` or ``archive``) and, optionally, ``dependencies``:
references ``{ name, version? }`` to other entries.

The PEP has no "direct" marker and most writers leave the graph out, so direct means
declared by the ``pyproject.toml`` beside the file, else not depended on by another
entry. The group comes from the entry's marker when it tests ``'g' in
dependency_groups`` or ``'g' in extras``, else from the manifest (for direct packages) or
from the direct packages that reach it. The entry at directory ``.`` is the project
itself and is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.pypi._shared import (
    array_tables,
    direct_packages,
    groups_by_reach,
    index_by_name,
    load_toml,
    normalize,
    optional_string,
    short,
    shortest_paths,
    table,
)
from bastion.sca.extractors.pypi.pyproject import manifest_groups

_FILENAME = re.compile(r"pylock\.([^.]+\.)?toml")
_GROUP_MARKER = re.compile(r"""['"]([^'"]+)['"]\s+in\s+(?:dependency_groups|extras)\b""")


@dataclass(frozen=True, slots=True)
class _Package:
    name: str
    version: str | None
    marker_group: str | None
    note: str | None
    line: int | None
    requires: tuple[tuple[str, str | None], ...]  # (normalised name, version or None)


class PylockExtractor:
    name: ClassVar[str] = "pypi/pylock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return _FILENAME.fullmatch(path.name) is not None

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_toml(text)
        if not isinstance(doc.get("lock-version"), str):
            raise ExtractionError("'lock-version' is missing or not a string")
        packages = [
            package
            for entry, line in array_tables(doc, text, "packages")
            if (package := _package(entry, line)) is not None
        ]

        by_name = index_by_name(p.name for p in packages)
        edges = [
            [
                target
                for name, version in package.requires
                for target in by_name.get(name, ())
                if version is None or packages[target].version == version
            ]
            for package in packages
        ]
        direct, seeds = direct_packages(
            [p.name for p in packages],
            edges,
            manifest_groups(source),
            lambda i: packages[i].marker_group,
        )
        paths = shortest_paths([p.name for p in packages], edges, direct)
        reached = groups_by_reach(edges, seeds)

        where = str(source.path)
        direct_set = set(direct)
        return [
            Dependency(
                name=package.name,
                version=package.version,
                ecosystem=Ecosystem.PYPI,
                direct=index in direct_set,
                source=where,
                line=package.line,
                extractor=self.name,
                group=package.marker_group or reached.get(index),
                path=paths.get(index, ()),
                note=package.note,
            )
            for index, package in enumerate(packages)
        ]


def _package(entry: object, line: int | None) -> _Package | None:
    if not isinstance(entry, dict):
        raise ExtractionError("'packages' entries should be tables", line)
    name = entry.get("name")
    if not isinstance(name, str) or not name:
        raise ExtractionError("package has no 'name'", line)
    try:
        version = optional_string(entry.get("version"), f"'version' of package {name}")
        marker = optional_string(entry.get("marker"), f"'marker' of package {name}")
        directory = table(entry.get("directory"), f"'directory' of package {name}")
        requires = tuple(_requires(entry.get("dependencies"), name))
        note = _note(entry, name)
    except ExtractionError as exc:
        raise ExtractionError(exc.message, line) from exc
    if isinstance(directory.get("path"), str) and directory["path"].strip() in (".", "./", ""):
        return None  # the project itself
    group = _GROUP_MARKER.search(marker) if marker else None
    if not version:
        note = f"{note}, no version recorded" if note else "no version recorded"
    return _Package(name, version or None, group.group(1) if group else None, note, line, requires)


def _requires(raw: object, owner: str) -> list[tuple[str, str | None]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ExtractionError(f"'dependencies' of package {owner} should be an array")
    found: list[tuple[str, str | None]] = []
    for ref in raw:
        if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
            raise ExtractionError(f"'dependencies' of package {owner} should name packages")
        version = ref.get("version")
        found.append((normalize(ref["name"]), version if isinstance(version, str) else None))
    return found


def _note(entry: dict[str, Any], name: str) -> str | None:
    vcs = table(entry.get("vcs"), f"'vcs' of package {name}")
    if vcs:
        kind = vcs.get("type") if isinstance(vcs.get("type"), str) else "vcs"
        where = vcs.get("url") or vcs.get("path")
        commit = vcs.get("commit-id")
        if isinstance(where, str) and isinstance(commit, str):
            where = f"{where}@{commit}"
        return f"from {kind} ({short(where)})" if isinstance(where, str) else f"from {kind}"
    directory = table(entry.get("directory"), f"'directory' of package {name}")
    if isinstance(directory.get("path"), str):
        return f"from a local directory ({short(directory['path'])})"
    archive = table(entry.get("archive"), f"'archive' of package {name}")
    where = archive.get("url") or archive.get("path")
    if isinstance(where, str):
        return f"from an archive ({short(where)})"
    return None

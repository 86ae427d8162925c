"""PDM's ``pdm.lock`` (lock_version 4.x).

``[[package]]`` tables carry ``name``, ``version``, ``groups`` (since the
``inherit_metadata`` strategy: "default" is the main group, the rest are extras and
development groups), ``dependencies`` as PEP 508 strings, and ``git``/``path``/``url`` for
packages not from an index. A package installed with extras gets a second entry with
``extras = [...]`` whose dependencies are the base package plus what the extras add; it
is the same package at the same version, so it only contributes its edges.

Direct dependencies are the ones the ``pyproject.toml`` beside the lockfile declares;
without it, the packages no other package depends on. A package locked at ``.`` (a
project that depends on itself) is the project and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    requirement_name,
    short,
    shortest_paths,
    string_list,
    table,
)
from bastion.sca.extractors.pypi.pyproject import manifest_groups

_UNKNOWN = "\0unknown"


@dataclass(slots=True)
class _Package:
    name: str
    version: str | None
    group: str | None
    note: str | None
    line: int | None
    requires: list[str] = field(default_factory=list)  # normalised names


class PdmLockExtractor:
    name: ClassVar[str] = "pypi/pdmlock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "pdm.lock"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_toml(text)
        metadata = table(doc.get("metadata"), "'metadata'")
        optional_string(metadata.get("lock_version"), "'metadata.lock_version'")
        string_list(metadata.get("groups"), "'metadata.groups'")

        packages: list[_Package] = []
        base: dict[tuple[str, str | None], _Package] = {}
        with_extras: list[_Package] = []
        for entry, line in array_tables(doc, text, "package"):
            package, extras = _package(entry, line)
            if package is None:
                continue
            if extras:
                with_extras.append(package)
            else:
                base.setdefault((normalize(package.name), package.version), package)
                packages.append(package)
        for package in with_extras:
            key = (normalize(package.name), package.version)
            same = base.get(key)
            if same is not None:
                same.requires.extend(n for n in package.requires if n != key[0])
            else:
                # Only locked with extras: report it once, however many extras entries.
                base[key] = package
                packages.append(package)

        by_name = index_by_name(p.name for p in packages)
        edges = [
            sorted({t for name in p.requires for t in by_name.get(name, ()) if t != i})
            for i, p in enumerate(packages)
        ]
        direct, seeds = direct_packages([p.name for p in packages], edges, manifest_groups(source))
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
                group=reached.get(index) if package.group == _UNKNOWN else package.group,
                path=paths.get(index, ()),
                note=package.note,
            )
            for index, package in enumerate(packages)
        ]


def _package(entry: object, line: int | None) -> tuple[_Package | None, bool]:
    """(package or None for the project itself, whether it is an extras entry)."""
    if not isinstance(entry, dict):
        raise ExtractionError("'package' entries should be tables", line)
    name, version = entry.get("name"), entry.get("version")
    if not isinstance(name, str) or not name:
        raise ExtractionError("package has no 'name'", line)
    try:
        optional_string(version, f"'version' of package {name}")
        groups = string_list(entry.get("groups"), f"'groups' of package {name}")
        extras = string_list(entry.get("extras"), f"'extras' of package {name}")
        dependencies = string_list(entry.get("dependencies"), f"'dependencies' of {name}")
        note = _note(entry, name)
    except ExtractionError as exc:
        raise ExtractionError(exc.message, line) from exc
    if isinstance(entry.get("path"), str) and entry["path"].strip() in (".", "./"):
        return None, False
    if not groups:
        group: str | None = _UNKNOWN
    elif "default" in groups:
        group = None
    else:
        group = groups[0]
    if not version:
        note = f"{note}, no version recorded" if note else "no version recorded"
    package = _Package(name, version or None, group, note, line)
    for text in dependencies:
        dependency = requirement_name(text)
        if dependency is not None:
            package.requires.append(normalize(dependency))
    return package, bool(extras)


def _note(entry: dict[str, Any], name: str) -> str | None:
    git = optional_string(entry.get("git"), f"'git' of package {name}")
    if git is not None:
        revision = entry.get("revision") or entry.get("ref")
        where = f"{git}@{revision}" if isinstance(revision, str) and revision else git
        return f"from git ({short(where)})"
    for key, label in (("path", "from a local path"), ("url", "from a URL")):
        value = optional_string(entry.get(key), f"'{key}' of package {name}")
        if value is not None:
            return f"{label} ({short(value)})"
    return None

"""uv's ``uv.lock`` (``version = 1``, any revision).

``[[package]]`` tables carry ``name``, ``version`` (left out for source trees with a
dynamic version), ``source`` (``registry``, ``git``, ``url``, ``path``, ``directory``,
``editable`` or ``virtual``) and ``dependencies`` written as ``{ name, version?,
source?, marker? }``; the version and source are only there when the name alone is
ambiguous. ``optional-dependencies`` and ``dev-dependencies`` map an extra or a
dependency group to such lists.

The project is the ``editable``/``virtual`` package at ``.``: it is left out, and what it
lists is direct, in the main group, the extra's or the dependency group's name. A
workspace without a root project (a virtual root) has its members that nothing depends
on as roots instead; its dependency groups sit in ``[manifest.dependency-groups]`` and are
direct too. Other workspace members (``[manifest] members``) are reported in group
"local"; an editable package that is no member is a path dependency like any other. The
rest of the graph takes the group of the direct dependencies that reach it, main first.
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
    groups_by_reach,
    index_by_name,
    load_toml,
    normalize,
    short,
    shortest_paths,
    string_list,
    table,
)

_PROJECT_SOURCES = ("editable", "virtual")


@dataclass(slots=True)
class _Package:
    name: str
    version: str | None
    source: dict[str, Any]
    line: int | None
    # (group or None for main, dependency reference) of everything the package lists.
    requires: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)

    @property
    def project_path(self) -> str | None:
        """The path of a workspace project (editable or virtual source), else None."""
        for kind in _PROJECT_SOURCES:
            value = self.source.get(kind)
            if isinstance(value, str):
                return value
        return None


class UvLockExtractor:
    name: ClassVar[str] = "pypi/uvlock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "uv.lock"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_toml(text)
        version = doc.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise ExtractionError(f"'version' should be a number, got {version!r}")
        manifest = table(doc.get("manifest"), "'manifest'")
        members = {normalize(m) for m in string_list(manifest.get("members"), "'members'")}
        packages = [_package(entry, line) for entry, line in array_tables(doc, text, "package")]

        by_name = index_by_name(p.name for p in packages)
        labelled = [
            [
                (group, target)
                for group, ref in p.requires
                for target in _find(packages, by_name, ref)
            ]
            for p in packages
        ]
        edges = [[target for _, target in targets] for targets in labelled]
        depended_on = {target for targets in edges for target in targets}
        # Editable packages elsewhere may be plain path dependencies, not members.
        local = {
            index
            for index, package in enumerate(packages)
            if _is_dot(package.project_path) or normalize(package.name) in members
        }
        roots = [i for i in sorted(local) if _is_dot(packages[i].project_path)]
        if not roots:
            roots = [i for i in sorted(local) if i not in depended_on]
        if not roots:
            # Not written by uv for a project; treat the unrequired packages as direct.
            seeds: list[tuple[int, str | None]] = [
                (i, None) for i in range(len(packages)) if i not in depended_on
            ]
        else:
            seeds = [(target, group) for root in roots for group, target in labelled[root]]
        # A virtual workspace root is no package; its dependency groups live here.
        for group, refs in table(manifest.get("dependency-groups"), "'dependency-groups'").items():
            for ref in _refs(refs, "the workspace"):
                seeds.extend((i, group) for i in by_name.get(normalize(ref["name"]), ()))
        root_set = set(roots)
        seeds = [(target, group) for target, group in seeds if target not in root_set]
        direct = {target for target, _ in seeds}
        ordered = [target for target, _ in seeds]
        # The roots are left out, so no path may run through them.
        walk = [[] if i in root_set else targets for i, targets in enumerate(edges)]
        paths = shortest_paths([p.name for p in packages], walk, ordered)
        groups = groups_by_reach(walk, seeds)

        where = str(source.path)
        return [
            Dependency(
                name=package.name,
                version=package.version,
                ecosystem=Ecosystem.PYPI,
                direct=index in direct,
                source=where,
                line=package.line,
                extractor=self.name,
                group="local" if index in local else groups.get(index),
                path=paths.get(index, ()),
                note=_note(package, member=index in local),
            )
            for index, package in enumerate(packages)
            if index not in root_set
        ]


def _is_dot(path: str | None) -> bool:
    return path is not None and path.strip() in (".", "./", "")


def _package(entry: object, line: int | None) -> _Package:
    if not isinstance(entry, dict):
        raise ExtractionError("'package' entries should be tables", line)
    name, version = entry.get("name"), entry.get("version")
    if not isinstance(name, str) or not name:
        raise ExtractionError("package has no 'name'", line)
    if version is not None and (not isinstance(version, str) or not version):
        raise ExtractionError(f"'version' of package {name} should be a string", line)
    try:
        package = _Package(name, version, table(entry.get("source"), f"'source' of {name}"), line)
        for ref in _refs(entry.get("dependencies"), name):
            package.requires.append((None, ref))
        for key in ("optional-dependencies", "dev-dependencies"):
            for group, refs in table(entry.get(key), f"'{key}' of {name}").items():
                for ref in _refs(refs, name):
                    package.requires.append((group, ref))
    except ExtractionError as exc:
        raise ExtractionError(exc.message, line) from exc
    return package


def _refs(raw: object, owner: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(
        isinstance(ref, dict) and isinstance(ref.get("name"), str) for ref in raw
    ):
        raise ExtractionError(f"dependencies of {owner} should be tables with a 'name'")
    return raw


def _find(
    packages: list[_Package], by_name: dict[str, list[int]], ref: dict[str, Any]
) -> list[int]:
    """The packages a dependency reference names: uv adds version and source only when
    the name alone is ambiguous, so filter by whatever it wrote."""
    version, source = ref.get("version"), ref.get("source")
    return [
        index
        for index in by_name.get(normalize(ref["name"]), ())
        if (version is None or packages[index].version == version)
        and (source is None or packages[index].source == source)
    ]


def _note(package: _Package, *, member: bool) -> str | None:
    note: str | None = None
    source = package.source
    project = "workspace member" if member else "editable local project"
    for kind, label in (
        ("git", "from git"),
        ("url", "from a URL"),
        ("path", "from a local path"),
        ("directory", "from a local directory"),
        ("editable", project),
        ("virtual", project),
    ):
        value = source.get(kind)
        if isinstance(value, str):
            note = f"{label} ({short(value)})"
            break
    if package.version is None:
        return f"{note}, no version recorded" if note else "no version recorded"
    return note

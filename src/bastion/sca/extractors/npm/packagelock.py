"""npm ``package-lock.json`` and ``npm-shrinkwrap.json``, lockfileVersion 1, 2 and 3.

Versions 2 and 3 key every installed package by its folder (``node_modules/a/node_modules/b``)
in ``packages``; version 1 nests the same tree under ``dependencies``. Both are turned into
one table keyed by folder, so one graph walk (Node's module resolution from each folder)
serves all versions.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._json import kind, load_json
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.licenses import any_of

_FILENAMES = frozenset({"package-lock.json", "npm-shrinkwrap.json"})
_NODE_MODULES = "node_modules/"
# The end of a key whose value is an object. Outside strings a quote is never escaped,
# and inside strings it always is, hence the look-behind.
_OBJECT_KEY_END = re.compile(r'(?<!\\)"\s*:\s*\{')
# Fields that name what a package needs at install time. Dev dependencies are installed
# only for the project itself and its workspaces, so they are added separately.
_RUNTIME_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies")

# What json.loads returns; narrowed with isinstance where it matters.
_Json = object


@dataclass(slots=True)
class _Entry:
    key: str  # the folder, e.g. "node_modules/a/node_modules/b"
    name: str
    version: str | None
    note: str | None
    group: str | None
    line: int | None
    # Where Node starts looking for this package's own dependencies: the folder itself, or
    # the link target for a linked (workspace or ``file:``) package.
    location: str
    requires: tuple[str, ...]
    license: str | None = None


class PackageLockExtractor:
    name: ClassVar[str] = "npm/packagelock"
    superseded_by: ClassVar[frozenset[str]] = frozenset({"npm-shrinkwrap.json"})

    def wants(self, path: PurePosixPath) -> bool:
        return path.name in _FILENAMES

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_json(text)
        if not isinstance(doc, dict):
            raise ExtractionError(f"expected a JSON object at the top, got {kind(doc)}", 1)
        lockfile_version = doc.get("lockfileVersion")
        if lockfile_version is not None and (
            not isinstance(lockfile_version, int) or isinstance(lockfile_version, bool)
        ):
            raise ExtractionError(
                f"'lockfileVersion' should be a number, got {kind(lockfile_version)}"
            )
        lines = _object_lines(text, doc)

        # npm 7+ reads ``packages`` whenever it is there (v2 carries both sections).
        packages = doc.get("packages")
        if packages is not None:
            table, root_deps, projects = _from_packages(packages, lines)
        else:
            table = _from_nested(doc.get("dependencies"), lines)
            root_deps, projects = None, []

        graph = _Graph(table)
        if root_deps is None:
            roots = graph.unrequired_top_level()
            direct = set(roots)
        else:
            roots = [*graph.resolve_all("", root_deps), *graph.top_level_links()]
            direct = set(roots)
            for location, requires in projects:
                direct.update(graph.resolve_all(location, requires))
        paths = graph.shortest_paths(roots)

        where = str(source.path)
        return [
            Dependency(
                name=entry.name,
                version=entry.version,
                ecosystem=Ecosystem.NPM,
                direct=entry.key in direct,
                source=where,
                line=entry.line,
                extractor=self.name,
                group=entry.group,
                path=paths.get(entry.key, ()),
                note=entry.note,
                license=entry.license,
            )
            for entry in table.values()
        ]


def _object_lines(text: str, doc: _Json) -> dict[int, int]:
    """Map ``id()`` of every object that is the value of a key to that key's line.

    ``json`` keeps no positions, but it keeps key order: a pre-order walk of the parsed
    document meets object-valued keys in the same order as the text has them. One pass
    over the text plus one walk, so the cost stays linear in the file size.
    """
    keyed: list[int] = []
    # Frames iterate over one container's children; ``in_object`` is True for an
    # object's values (an object there has a key before it) and False for array items.
    stack: list[tuple[Iterator[_Json], bool]] = [(iter((doc,)), False)]
    while stack:
        children, in_object = stack[-1]
        child = next(children, _END)
        if child is _END:
            stack.pop()
        elif isinstance(child, dict):
            if in_object:
                keyed.append(id(child))
            stack.append((iter(child.values()), True))
        elif isinstance(child, list):
            stack.append((iter(child), False))

    lines = _key_lines_npm_style(text)
    if len(lines) != len(keyed):
        lines = _key_lines_any_style(text)
    if len(lines) != len(keyed):
        # Duplicate keys collapse when parsed, and a string may contain something that
        # looks like a key: positions would be off from there on. Better none.
        return {}
    return dict(zip(keyed, lines, strict=True))


def _key_lines_npm_style(text: str) -> list[int]:
    """Lines of ``"key": {`` as npm writes them (``JSON.stringify`` with indentation).

    Plain ``str.find`` is several times faster than a regex over a large lockfile.
    """
    lines: list[int] = []
    line = 1
    position = 0
    find, count = text.find, text.count
    while (at := find('": {', position)) >= 0:
        line += count("\n", position, at)
        position = at + 4
        # Outside strings a quote is never escaped, so ``\": {`` is inside a string.
        if text[at - 1] != "\\":
            lines.append(line)
    return lines


def _key_lines_any_style(text: str) -> list[int]:
    lines: list[int] = []
    line = 1
    position = 0
    for match in _OBJECT_KEY_END.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        lines.append(line)
    return lines


_END = object()


def _from_packages(
    packages: _Json, lines: Mapping[int, int]
) -> tuple[dict[str, _Entry], tuple[str, ...] | None, list[tuple[str, tuple[str, ...]]]]:
    """The v2/v3 ``packages`` map: entries, the root's declared names, local projects."""
    if not isinstance(packages, dict):
        raise ExtractionError(f"'packages' should be an object, got {kind(packages)}")
    table: dict[str, _Entry] = {}
    root_requires: tuple[str, ...] | None = None
    projects: list[tuple[str, tuple[str, ...]]] = []
    for key, raw in packages.items():
        line = lines.get(id(raw))
        if not isinstance(raw, dict):
            raise ExtractionError(f"package {key!r} should be an object, got {kind(raw)}", line)
        if key == "":
            root_requires = _declared(raw, with_dev=True)
            continue
        installed = _installed_name(key, line)
        if installed is None:
            # A folder outside node_modules (a workspace or a ``file:`` package): it shows
            # up in the result through the link that points at it.
            projects.append((key, _declared(raw, with_dev=True)))
            continue
        if raw.get("link") is True:
            table[key] = _linked(key, installed, raw, packages, line)
            continue
        name = _string_field(raw, "name", key, line) or installed
        name, version, note, local = _normalise(name, _string_field(raw, "version", key, line))
        table[key] = _Entry(
            key=key,
            name=name,
            version=version,
            note=note,
            group="local" if local else _group(raw),
            line=line,
            location=key,
            requires=_declared(raw, with_dev=False),
            license=_license(raw),
        )
    return table, root_requires, projects


def _linked(
    key: str, installed: str, raw: dict[str, _Json], packages: dict[str, _Json], line: int | None
) -> _Entry:
    resolved = raw.get("resolved")
    if not isinstance(resolved, str) or not resolved:
        raise ExtractionError(f"linked package {key!r} has no 'resolved' folder", line)
    target = packages.get(resolved)
    version: str | None = None
    note = f"linked local package at {resolved}"
    requires: tuple[str, ...] = ()
    if isinstance(target, dict):
        version = _string_field(target, "version", resolved, line) or None
        # Workspaces get their dev dependencies installed, like the project itself.
        requires = _declared(target, with_dev=_installed_name(resolved, line) is None)
    else:
        note = f"linked local package at {resolved}, which the lockfile does not describe"
    return _Entry(
        key=key,
        name=installed,
        version=version,
        note=note,
        group="local",
        line=line,
        location=resolved,
        requires=requires,
    )


def _from_nested(dependencies: _Json, lines: Mapping[int, int]) -> dict[str, _Entry]:
    """The v1 ``dependencies`` tree, flattened to the folder keys v2 would use."""
    table: dict[str, _Entry] = {}
    if dependencies is None:
        return table
    stack = [("", _members(dependencies, "'dependencies'", None))]
    while stack:
        parent, members = stack[-1]
        member = next(members, None)
        if member is None:
            stack.pop()
            continue
        installed, raw = member
        key = f"{parent}/{_NODE_MODULES}{installed}" if parent else f"{_NODE_MODULES}{installed}"
        line = lines.get(id(raw))
        if not isinstance(raw, dict):
            raise ExtractionError(f"package {key!r} should be an object, got {kind(raw)}", line)
        if not installed:
            raise ExtractionError(f"package key {key!r} names no package", line)
        name, version, note, local = _normalise(installed, _string_field(raw, "version", key, line))
        requires = raw.get("requires")
        table[key] = _Entry(
            key=key,
            name=name,
            version=version,
            note=note,
            group="local" if local else _group(raw),
            line=line,
            location=key,
            requires=tuple(requires) if isinstance(requires, dict) else (),
            license=_license(raw),
        )
        nested = raw.get("dependencies")
        if nested is not None:
            stack.append((key, _members(nested, f"'dependencies' of {key!r}", line)))
    return table


def _members(value: _Json, what: str, line: int | None) -> Iterator[tuple[str, _Json]]:
    if not isinstance(value, dict):
        raise ExtractionError(f"{what} should be an object, got {kind(value)}", line)
    return iter(value.items())


def _installed_name(key: str, line: int | None) -> str | None:
    """The folder name under the last ``node_modules/``; None outside node_modules."""
    if not key.startswith(_NODE_MODULES) and f"/{_NODE_MODULES}" not in key:
        return None
    name = key.rpartition(_NODE_MODULES)[2]
    if not name:
        raise ExtractionError(f"package key {key!r} names no package", line)
    return name


def _string_field(raw: dict[str, _Json], field: str, key: str, line: int | None) -> str:
    value = raw.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ExtractionError(
            f"'{field}' of package {key!r} should be a string, got {kind(value)}", line
        )
    return value


def _declared(raw: dict[str, _Json], *, with_dev: bool) -> tuple[str, ...]:
    # The graph is extra information: a malformed map only loses edges, never packages.
    names: dict[str, None] = {}
    fields: Iterable[str] = (*_RUNTIME_FIELDS, "devDependencies") if with_dev else _RUNTIME_FIELDS
    for field in fields:
        value = raw.get(field)
        if isinstance(value, dict):
            names.update(dict.fromkeys(value))
    return tuple(names)


def _license(raw: dict[str, _Json]) -> str | None:
    """The declared license: npm 7+ copies ``license`` from each package.json.

    Old packages may still use the deprecated object (``{"type": "MIT"}``) or the
    ``licenses`` array of such objects. Licenses are extra information: a value of any
    other shape is ignored rather than failing the lockfile.
    """
    value = raw.get("license")
    if value is None:
        value = raw.get("licenses")
    items = value if isinstance(value, list) else [value]
    names = [item.get("type") if isinstance(item, dict) else item for item in items]
    return any_of(name for name in names if isinstance(name, str))


def _group(raw: dict[str, _Json]) -> str | None:
    if raw.get("dev") is True:
        return "dev"
    # devOptional: needed by a dev dependency and, optionally, by production code, so
    # production installs keep it unless optional packages are left out.
    if raw.get("optional") is True or raw.get("devOptional") is True:
        return "optional"
    if raw.get("peer") is True:
        return "peer"
    return None


def _normalise(name: str, version: str) -> tuple[str, str | None, str | None, bool]:
    """(name, registry version or None, note, is a local package) for a lockfile version."""
    if not version:
        return name, None, "no version in the lockfile", False
    if version.startswith("npm:"):
        # v1 spells aliases as the install name plus "npm:<real name>@<version>".
        real, _, aliased = version[4:].rpartition("@")
        if real and aliased:
            return real, aliased, None, False
        return name, None, f"unreadable alias {version!r}", False
    if version.startswith("file:"):
        return name, None, f"local package ({version})", True
    if ":" in version or "/" in version:
        # git URLs, tarball URLs and "user/repo#commit" shorthands name no registry release.
        return name, None, f"not installed from the npm registry ({version})", False
    return name, version, None, False


class _Graph:
    """Node's module resolution over the folder-keyed table."""

    def __init__(self, table: dict[str, _Entry]) -> None:
        self._table = table

    def resolve(self, location: str, name: str) -> str | None:
        """The folder Node loads ``name`` from when required from ``location``."""
        folder = location
        while True:
            candidate = f"{folder}/{_NODE_MODULES}{name}" if folder else _NODE_MODULES + name
            if candidate in self._table:
                return candidate
            if not folder:
                return None
            folder = folder.rpartition("/")[0]
            if folder == "node_modules" or folder.endswith("/node_modules"):
                # Node never looks in node_modules/node_modules.
                folder = folder.rpartition("/")[0]

    def resolve_all(self, location: str, names: Iterable[str]) -> list[str]:
        found: dict[str, None] = {}
        for name in names:
            key = self.resolve(location, name)
            if key is not None:
                found[key] = None
        return list(found)

    def top_level_links(self) -> list[str]:
        return [
            key
            for key, entry in self._table.items()
            if entry.location != key and _is_top_level(key)
        ]

    def unrequired_top_level(self) -> list[str]:
        """Top-level packages nothing else needs: the best guess at direct dependencies
        when the lockfile does not record the project's own (lockfile v1)."""
        required: set[str] = set()
        for entry in self._table.values():
            for name in entry.requires:
                key = self.resolve(entry.location, name)
                if key is not None and key != entry.key:
                    required.add(key)
        return [key for key in self._table if _is_top_level(key) and key not in required]

    def shortest_paths(self, roots: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Names from a direct dependency down to each reachable package (one BFS)."""
        parent: dict[str, str | None] = {}
        queue: deque[str] = deque()
        for key in roots:
            if key not in parent:
                parent[key] = None
                queue.append(key)
        while queue:
            entry = self._table[queue.popleft()]
            for name in entry.requires:
                found = self.resolve(entry.location, name)
                if found is not None and found not in parent:
                    parent[found] = entry.key
                    queue.append(found)
        # BFS discovers a parent before its children, so one pass in discovery order works.
        paths: dict[str, tuple[str, ...]] = {}
        for child, via in parent.items():
            paths[child] = (*(paths[via] if via is not None else ()), self._table[child].name)
        return paths


def _is_top_level(key: str) -> bool:
    return key.startswith(_NODE_MODULES) and f"/{_NODE_MODULES}" not in key

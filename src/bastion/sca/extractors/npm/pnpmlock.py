"""pnpm's ``pnpm-lock.yaml``, lockfile versions 5.x, 6.x and 9.x.

The versions differ in how a package is keyed: ``/name/1.2.3_peer@1.0.0`` (5.x),
``/name@1.2.3(peer@1.0.0)`` (6.x) and ``name@1.2.3`` in ``packages`` plus
``name@1.2.3(peer@1.0.0)`` in ``snapshots`` (9.x, which moved the dependencies of each
peer-resolved variant into ``snapshots``). A dependency is written as its name and a
reference (``1.2.3``, ``1.2.3(peer@1.0.0)``, an alias's ``real@1.2.3`` or ``/real/1.2.3``,
``link:../folder``, ``file:folder``), from which the key follows.

``importers`` holds what each project of a workspace declares (5.x and 6.x files of a
single project keep it at the top level). pnpm 11 and later may put an env document
before the project's, holding ``configDependencies`` and ``packageManagerDependencies``:
those are installed too, so every document is read.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.models import Dependency
from bastion.sca.extractors import _yaml
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.npm._common import (
    LOCAL,
    Json,
    Node,
    Origin,
    dependencies,
    kind,
    origin,
    registry_node,
    resolve,
    split_spec,
    string_map,
)

_MAJOR = re.compile(r"\s*'?(\d+)")
_IMPORTER_SECTIONS: tuple[tuple[str, str | None], ...] = (
    ("dependencies", None),
    ("optionalDependencies", "optional"),
    ("devDependencies", "dev"),
    ("peerDependencies", "peer"),
    # The env document of pnpm 11+: installed for pnpm itself, not for the project.
    ("configDependencies", "config"),
    ("packageManagerDependencies", "package-manager"),
)
_EDGE_FIELDS = ("dependencies", "optionalDependencies")


class PnpmLockExtractor:
    name: ClassVar[str] = "npm/pnpmlock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "pnpm-lock.yaml"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        graph = _Graph(source)
        for document in _yaml.load_all(source.text()):
            if document.data is None:  # an empty document, e.g. after a trailing "---"
                continue
            _Document(graph, document).read()
        direct, paths = resolve(graph.nodes, graph.declarations, graph.roots)
        return dependencies(graph.nodes, direct, paths, str(source.path), self.name)


@dataclass(slots=True)
class _Graph:
    source: ExtractInput
    nodes: list[Node] = field(default_factory=list)
    declarations: list[tuple[int, str | None]] = field(default_factory=list)
    roots: list[int] = field(default_factory=list)


class _Document:
    def __init__(self, graph: _Graph, document: _yaml.Document) -> None:
        doc = document.data
        if not isinstance(doc, dict):
            raise ExtractionError(f"expected a mapping at the top, got {kind(doc)}", document.line)
        self.graph = graph
        self.doc: dict[str, Json] = doc
        self.document = document
        self.major = _major(doc.get("lockfileVersion"), document)
        self.by_key: dict[str, int] = {}
        self.projects: dict[str, int] = {}  # importer folder → node
        self.links: dict[str, int] = {}  # linked folder outside the workspace → node

    def read(self) -> None:
        importers = self._importers()
        self._projects(importers)
        self._packages()
        own: list[int] = []
        for folder, sections in importers.items():
            for section, group, dep, ref in sections:
                target = self._reference(dep, ref, folder, section)
                if target is None:
                    continue
                self.graph.declarations.append((target, group))
                project = self.projects.get(folder)
                if folder == ".":
                    own.append(target)
                elif project is not None:
                    self.graph.nodes[project].edges.append(target)
                else:
                    own.append(target)  # a workspace without a name: its own root
        self.graph.roots.extend(own)
        self.graph.roots.extend(self.projects.values())

    def _importers(self) -> dict[str, list[tuple[str, str | None, str, str]]]:
        """Folder → (section, group, name, reference) of everything each project declares."""
        raw = self.doc.get("importers")
        if raw is None:
            projects: dict[str, Json] = {".": self.doc}  # 5.x/6.x without workspaces
        else:
            projects = _mapping(raw, "'importers'", self._line("importers"))
        lines = _yaml.key_lines(self.document, "importers")
        found: dict[str, list[tuple[str, str | None, str, str]]] = {}
        for folder, raw_project in projects.items():
            where = f"importer {folder!r}"
            project = _mapping(raw_project, where, lines.get(folder))
            declared: list[tuple[str, str | None, str, str]] = []
            for section, group in _IMPORTER_SECTIONS:
                entries = project.get(section)
                if entries is None:
                    continue
                entries = _mapping(entries, f"{section!r} of {where}", None)
                for dep, value in entries.items():
                    ref = value.get("version") if isinstance(value, dict) else value
                    if isinstance(ref, str | int | float):
                        declared.append((section, group, dep, str(ref)))
            found[folder] = declared
        return found

    def _packages(self) -> None:
        packages = _mapping(
            _or_empty(self.doc.get("packages")), "'packages'", self._line("packages")
        )
        lines = _yaml.key_lines(self.document, "packages")
        edges: dict[int, list[tuple[str, str]]] = {}
        for key, raw in packages.items():
            line = lines.get(key)
            entry = _mapping(raw, f"package {key!r}", line)
            index = self._add(key, entry, line)
            if self.major < 9:
                edges[index] = _edge_refs(entry)
        if self.major >= 9:
            # Each peer-resolved variant of a package has its own snapshot; all of them are
            # the same package@version, reported once, with the union of their dependencies.
            snapshots = self.doc.get("snapshots")
            snapshots = _mapping(_or_empty(snapshots), "'snapshots'", self._line("snapshots"))
            snapshot_lines = _yaml.key_lines(self.document, "snapshots")
            for key, raw in snapshots.items():
                line = snapshot_lines.get(key)
                entry = _mapping(_or_empty(raw), f"snapshot {key!r}", line)
                base = _without_peers(key)
                known = self.by_key.get(base)
                index = known if known is not None else self._add(base, entry, line)
                self.by_key[key] = index
                edges.setdefault(index, []).extend(_edge_refs(entry))
        for index, refs in edges.items():
            targets: dict[int, None] = {}
            for dep, ref in refs:
                target = self._reference(dep, ref, ".", None)
                if target is not None and target != index:
                    targets[target] = None
            self.graph.nodes[index].edges = list(targets)

    def _add(self, key: str, entry: dict[str, Json], line: int | None) -> int:
        name, found = self._identify(key, entry)
        node = registry_node(name, found, line)
        if self.major < 9 and not found.local:
            # 5.x and 6.x mark what only dev or only optional dependencies need.
            if entry.get("dev") is True:
                node.group, node.fixed_group = "dev", True
            elif entry.get("optional") is True:
                node.group, node.fixed_group = "optional", True
            elif entry.get("dev") is False:
                node.fixed_group = True
        index = len(self.graph.nodes)
        self.graph.nodes.append(node)
        self.by_key[key] = index
        return index

    def _identify(self, key: str, entry: dict[str, Json]) -> tuple[str, Origin]:
        """(name, version or why none) of a package key."""
        named = entry.get("name")
        explicit_name = named if isinstance(named, str) and named else None
        if self.major >= 9 or key.startswith("/"):
            name, version = self._parse_key(key)
            return explicit_name or name, origin(version)
        # 5.x/6.x keys without the leading slash are not from the registry.
        resolution = entry.get("resolution")
        name = explicit_name or posixpath.basename(key.rstrip("/"))
        if key.startswith("file:") or (isinstance(resolution, dict) and "directory" in resolution):
            return name, origin(key if key.startswith("file:") else f"file:{key}")
        return name, Origin(None, f"not installed from the npm registry ({key})")

    def _parse_key(self, key: str) -> tuple[str, str]:
        if self.major >= 6:
            return split_spec(_without_peers(key.removeprefix("/")))
        parts = key.removeprefix("/").split("/")
        cut = 2 if parts[0].startswith("@") else 1
        version = "/".join(parts[cut:])
        return "/".join(parts[:cut]), version.partition("_")[0]

    def _reference(self, dep: str, ref: str, folder: str, section: str | None) -> int | None:
        """The node a dependency written as ``dep: ref`` in ``folder`` points at."""
        if ref.startswith("link:"):
            return self._link(dep, ref, folder, section)
        if ref.startswith("file:"):
            # Importers may spell a path as written (file:./a.tgz), keys normalise it.
            ref = "file:" + posixpath.normpath(posixpath.join(folder, ref[5:]))
        if self.major >= 9:
            candidates = [ref, f"{dep}@{ref}"]
        elif self.major >= 6:
            candidates = [ref, f"/{dep}@{ref}"]
        else:
            candidates = [ref, f"/{dep}/{ref}"]
        for candidate in candidates:
            if candidate in self.by_key:
                return self.by_key[candidate]
        for candidate in candidates:
            base = _without_peers(candidate)
            if base in self.by_key:
                return self.by_key[base]
        return None

    def _link(self, dep: str, ref: str, folder: str, section: str | None) -> int | None:
        target = posixpath.normpath(posixpath.join(folder, ref.removeprefix("link:")))
        if target in self.projects:
            return self.projects[target]
        if target in self.links:
            return self.links[target]
        line = None
        if section is not None:
            path = ("importers", folder, section) if "importers" in self.doc else (section,)
            line = _yaml.key_lines(self.document, *path).get(dep)
        node = Node(dep, None, line, f"linked local folder ({ref})", group=LOCAL, fixed_group=True)
        self.links[target] = len(self.graph.nodes)
        self.graph.nodes.append(node)
        return self.links[target]

    def _projects(self, importers: dict[str, list[tuple[str, str | None, str, str]]]) -> None:
        """A node for each workspace, named by a link to it or by its package.json."""
        names: dict[str, str] = {}
        for folder, declared in importers.items():
            for _, _, dep, ref in declared:
                if ref.startswith("link:"):
                    target = posixpath.normpath(posixpath.join(folder, ref[5:]))
                    names.setdefault(target, dep)
        lines = _yaml.key_lines(self.document, "importers")
        for folder in importers:
            if folder == "." or "importers" not in self.doc:
                continue
            name = names.get(folder) or self._manifest_name(folder)
            if name is None:
                continue
            note = f"local workspace package at {folder}"
            node = Node(name, None, lines.get(folder), note, LOCAL, fixed_group=True, project=True)
            self.projects[folder] = len(self.graph.nodes)
            self.graph.nodes.append(node)

    def _manifest_name(self, folder: str) -> str | None:
        source = self.graph.source
        where = posixpath.normpath(posixpath.join(str(source.path.parent), folder))
        data = source.read_relative(PurePosixPath(where) / "package.json")
        if data is None:
            return None
        try:
            manifest = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        name = manifest.get("name") if isinstance(manifest, dict) else None
        return name if isinstance(name, str) and name else None

    def _line(self, *path: str) -> int | None:
        *parents, last = path
        return _yaml.key_lines(self.document, *parents).get(last)


def _major(value: Json, document: _yaml.Document) -> int:
    line = _yaml.key_lines(document).get("lockfileVersion")
    if value is None:
        raise ExtractionError("no 'lockfileVersion'", document.line)
    match = _MAJOR.match(str(value)) if isinstance(value, str | int | float) else None
    if match is None or isinstance(value, bool):
        raise ExtractionError(f"unreadable 'lockfileVersion' {value!r}", line)
    return int(match.group(1))


def _mapping(value: Json, what: str, line: int | None) -> dict[str, Json]:
    if not isinstance(value, dict):
        raise ExtractionError(f"{what} should be a mapping, got {kind(value)}", line)
    return value


def _or_empty(value: Json) -> Json:
    """An empty section may be written as nothing at all (``packages:``)."""
    return {} if value is None else value


def _edge_refs(entry: dict[str, Json]) -> list[tuple[str, str]]:
    refs: list[tuple[str, str]] = []
    for field_name in _EDGE_FIELDS:
        refs.extend(string_map(entry.get(field_name)).items())
    return refs


def _without_peers(key: str) -> str:
    """``name@1.0.0(peer@2.0.0)`` → ``name@1.0.0``: peers choose a variant, not a version."""
    return key.partition("(")[0]

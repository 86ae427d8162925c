"""What yarn.lock, pnpm-lock.yaml, bun.lock and package.json readers share.

Each lockfile reader turns its format into :class:`Node` objects (one per package it
reports, plus the workspaces) and the declarations of the projects; :func:`resolve`
then decides direct, group and path the same way for all of them:

* direct: declared by the project or one of its workspaces;
* path: one BFS over the lockfile's graph from the declarations;
* group: the group of the declaration a package is reached from, the normal group
  winning over "optional", "optional" over "dev", "dev" over "peer" (npm's rule: a
  package needed at run time is not a dev package because a dev tool needs it too).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._graph import shortest_paths

# What json.loads / yaml return; narrowed with isinstance where it matters.
Json = object

#: package.json sections and the group of what they declare, in npm's precedence.
MANIFEST_SECTIONS: tuple[tuple[str, str | None], ...] = (
    ("optionalDependencies", "optional"),
    ("dependencies", None),
    ("devDependencies", "dev"),
    ("peerDependencies", "peer"),
)
_GROUP_ORDER: tuple[str | None, ...] = (None, "optional", "dev", "peer")
LOCAL = "local"


def kind(value: Json) -> str:
    match value:
        case dict():
            return "a mapping"
        case list():
            return "a list"
        case str():
            return "a string"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case None:
            return "null"
        case _:
            return type(value).__name__


def json_kind(value: Json) -> str:
    """:func:`kind` in JSON's words."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return kind(value)


def split_spec(spec: str) -> tuple[str, str]:
    """``name@range`` → (name, range); the ``@`` of a scope is part of the name."""
    at = spec.find("@", 1)
    if at < 0:
        return spec, ""
    return spec[:at], spec[at + 1 :]


def unalias(name: str, spec: str) -> tuple[str, str]:
    """(real name, range) for a declaration: ``"my-ms": "npm:ms@^2"`` installs ms."""
    if spec.startswith("npm:"):
        real, target = split_spec(spec[4:])
        if real:
            return real, target
    return name, spec


@dataclass(frozen=True, slots=True)
class Origin:
    """A version as written, or why there is none."""

    version: str | None
    note: str | None = None
    local: bool = False


def origin(version: str) -> Origin:
    """Classify what a lockfile records as a package's version (or its source)."""
    if not version:
        return Origin(None, "no version in the lockfile")
    if version.startswith("workspace:"):
        return Origin(None, f"local workspace package ({version})", local=True)
    if version.startswith(("link:", "portal:")):
        return Origin(None, f"linked local folder ({version})", local=True)
    if version.startswith("file:") or version.startswith(("./", "../", "/", "~/")):
        return Origin(None, f"local package ({version})", local=True)
    if ":" in version or "/" in version or "#" in version:
        # git URLs, tarball URLs and "user/repo#commit" shorthands name no registry release.
        return Origin(None, f"not installed from the npm registry ({version})")
    return Origin(version)


def is_registry_range(spec: str) -> bool:
    """True for semver ranges and dist-tags, False for URLs, paths and protocols."""
    _, spec = unalias("", spec)
    return not (":" in spec or "/" in spec)


@dataclass(slots=True)
class Node:
    name: str
    version: str | None
    line: int | None
    note: str | None = None
    #: A group the format states outright ("local", pnpm's ``dev: true``); otherwise the
    #: group follows from which declarations reach the node.
    group: str | None = None
    fixed_group: bool = False
    #: A workspace: its edges are its own declarations, which carry their own groups.
    project: bool = False
    edges: list[int] = field(default_factory=list)
    reported: bool = True


def local_node(name: str, found: Origin, line: int | None) -> Node:
    return Node(name, found.version, line, found.note, group=LOCAL, fixed_group=True)


def registry_node(name: str, found: Origin, line: int | None) -> Node:
    if found.local:
        return local_node(name, found, line)
    return Node(name, found.version, line, found.note)


@dataclass(frozen=True, slots=True)
class Manifest:
    """The declarations of a package.json: (name, range, group) in file order."""

    declared: tuple[tuple[str, str, str | None], ...]
    has_workspaces: bool

    def group_of(self) -> dict[str, str | None]:
        """Each declared name's group; ``declared`` is in precedence order already."""
        groups: dict[str, str | None] = {}
        for name, _, group in self.declared:
            groups.setdefault(name, group)
        return groups


def read_manifest(data: bytes | None) -> Manifest | None:
    """A neighbouring package.json, or None when it is missing or unreadable.

    The lockfile is what is being scanned: a broken manifest only costs the direct flags
    and groups, so it is never an error here.
    """
    if data is None:
        return None
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    return Manifest(tuple(sections_of(doc)), doc.get("workspaces") is not None)


def sections_of(doc: Mapping[str, Json]) -> list[tuple[str, str, str | None]]:
    """(name, range, group) of a package.json-shaped mapping in precedence order,
    skipping malformed parts."""
    declared: list[tuple[str, str, str | None]] = []
    for section, group in MANIFEST_SECTIONS:
        entries = doc.get(section)
        if isinstance(entries, dict):
            declared.extend(
                (name, spec, group)
                for name, spec in entries.items()
                if isinstance(name, str) and isinstance(spec, str)
            )
    return declared


def resolve(
    nodes: list[Node],
    declarations: Iterable[tuple[int, str | None]],
    roots: Iterable[int],
) -> tuple[set[int], dict[int, tuple[str, ...]]]:
    """Set groups in place; return the direct nodes and one shortest path per node.

    ``declarations`` are (node, group) pairs declared by the project or a workspace;
    ``roots`` are where paths start, in order of preference: the project's own
    declarations and the workspaces, so that a workspace's dependency shows which
    workspace brings it in (like npm's folder layout does). Roots are direct too.
    """
    declarations = list(declarations)
    roots = list(roots)
    direct = {index for index, _ in declarations}
    direct.update(roots)

    ranks = {group: rank for rank, group in enumerate(_GROUP_ORDER)}
    by_group: dict[str | None, list[int]] = {}
    for index, group in declarations:
        by_group.setdefault(group, []).append(index)
    order = sorted(by_group, key=lambda group: (ranks.get(group, len(ranks)), group or ""))
    reached: set[int] = set()
    for group in order:
        # Workspaces are not followed: their declarations are seeds with their own groups.
        queue = deque(index for index in by_group[group] if index not in reached)
        reached.update(queue)
        while queue:
            node = nodes[queue.popleft()]
            if not node.fixed_group:
                node.group = group
            if node.project:
                continue
            for child in node.edges:
                if child not in reached:
                    reached.add(child)
                    queue.append(child)

    paths = shortest_paths(roots, lambda index: nodes[index].edges, lambda index: nodes[index].name)
    return direct, paths


def unrequired(nodes: list[Node]) -> list[int]:
    """Nodes no other node depends on: the best guess at what the project declares."""
    required = {child for index, node in enumerate(nodes) for child in node.edges if child != index}
    return [index for index in range(len(nodes)) if index not in required]


def dependencies(
    nodes: list[Node],
    direct: set[int],
    paths: Mapping[int, tuple[str, ...]],
    source: str,
    extractor: str,
) -> list[Dependency]:
    return [
        Dependency(
            name=node.name,
            version=node.version,
            ecosystem=Ecosystem.NPM,
            direct=index in direct,
            source=source,
            line=node.line,
            extractor=extractor,
            group=node.group,
            path=paths.get(index, ()),
            note=node.note,
        )
        for index, node in enumerate(nodes)
        if node.reported and node.name
    ]


def string_map(value: Json) -> dict[str, str]:
    """A name → range mapping; the graph is extra information, so bad parts are dropped."""
    if not isinstance(value, dict):
        return {}
    return {
        key: str(spec)
        for key, spec in value.items()
        if isinstance(key, str)
        and isinstance(spec, str | int | float)
        and not isinstance(spec, bool)
    }

"""Bun's text lockfile ``bun.lock`` (lockfileVersion 0, 1 and 2).

JSONC: JSON that may have comments and trailing commas. ``workspaces`` holds what each
project of the workspace declares (``""`` is the project itself); ``packages`` maps an
install path to ``[resolution, …]``, where the resolution is ``name@version`` for the
registry or ``name@<protocol>`` otherwise, and the first object after it lists the
package's own dependencies. The install path works like node_modules folders: ``a/b`` is
the ``b`` only ``a`` sees, so a dependency is looked up from the dependent's path
upwards.

The binary ``bun.lockb`` of older Bun releases is not read.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.npm import _jsonc
from bastion.sca.extractors.npm._common import (
    LOCAL,
    Json,
    Node,
    dependencies,
    json_kind,
    origin,
    registry_node,
    resolve,
    sections_of,
    split_spec,
    string_map,
)

_EDGE_FIELDS = ("dependencies", "optionalDependencies", "peerDependencies")


class BunLockExtractor:
    name: ClassVar[str] = "npm/bunlock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "bun.lock"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        scanned = _jsonc.scan(source.text(), jsonc=True)
        doc = _jsonc.loads(scanned.json_text)
        if not isinstance(doc, dict):
            raise ExtractionError(f"expected a JSON object at the top, got {json_kind(doc)}", 1)
        version = doc.get("lockfileVersion")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise ExtractionError(
                f"'lockfileVersion' should be a number, got {json_kind(version)}",
                scanned.lines.get(("lockfileVersion",)),
            )
        workspaces = _object(
            doc.get("workspaces", {}), "'workspaces'", scanned.lines.get(("workspaces",))
        )
        packages = _object(doc.get("packages", {}), "'packages'", scanned.lines.get(("packages",)))

        nodes: list[Node] = []
        by_key: dict[str, int] = {}
        project_keys: dict[str, str] = {}  # workspace folder → its key in ``packages``
        infos: list[tuple[int, str, dict[str, Json]]] = []
        for key, raw in packages.items():
            line = scanned.lines.get(("packages", key))
            if not isinstance(raw, list) or not raw or not isinstance(raw[0], str):
                raise ExtractionError(
                    f"package {key!r} should be an array starting with its resolution, "
                    f"got {json_kind(raw)}",
                    line,
                )
            name, reference = split_spec(raw[0])
            if not name:
                raise ExtractionError(f"package {key!r}: unreadable resolution {raw[0]!r}", line)
            if reference.startswith("root:"):
                continue  # the project itself, when something depends on it
            info = next((item for item in raw[1:] if isinstance(item, dict)), {})
            index = len(nodes)
            if reference.startswith("workspace:"):
                folder = reference.removeprefix("workspace:")
                note = f"local workspace package at {folder}"
                nodes.append(Node(name, None, line, note, LOCAL, fixed_group=True, project=True))
                project_keys[folder] = key
            else:
                nodes.append(registry_node(name, origin(reference), line))
                infos.append((index, key, info))
            by_key[key] = index

        for index, key, info in infos:
            targets: dict[int, None] = {}
            for field in _EDGE_FIELDS:
                for dep in string_map(info.get(field)):
                    target = _lookup(by_key, key, dep)
                    if target is not None and target != index:
                        targets[target] = None
            nodes[index].edges = list(targets)

        declarations: list[tuple[int, str | None]] = []
        roots: list[int] = []
        projects: list[int] = []
        for folder, raw_workspace in workspaces.items():
            workspace = _object(
                raw_workspace, f"workspace {folder!r}", scanned.lines.get(("workspaces", folder))
            )
            project_key = project_keys.get(folder)
            project = by_key.get(project_key) if project_key is not None else None
            if project is not None:
                projects.append(project)
            for dep, _, group in sections_of(workspace):
                target = _lookup(by_key, project_key or "", dep)
                if target is None:
                    continue
                declarations.append((target, group))
                if project is None:
                    roots.append(target)  # the project itself, or a workspace Bun lists not
                else:
                    nodes[project].edges.append(target)
        direct, paths = resolve(nodes, declarations, roots + projects)
        return dependencies(nodes, direct, paths, str(source.path), self.name)


def _object(value: Json, what: str, line: int | None) -> dict[str, Json]:
    if not isinstance(value, dict):
        raise ExtractionError(f"{what} should be an object, got {json_kind(value)}", line)
    return value


def _lookup(by_key: dict[str, int], parent: str, name: str) -> int | None:
    """The package ``name`` as seen from install path ``parent``: nearest folder first."""
    segments = _segments(parent)
    for depth in range(len(segments), -1, -1):
        found = by_key.get("/".join([*segments[:depth], name]))
        if found is not None:
            return found
    return None


def _segments(key: str) -> list[str]:
    """``a/@s/b/c`` → ``["a", "@s/b", "c"]``: a scope belongs to the name after it."""
    segments: list[str] = []
    scope: str | None = None
    for part in key.split("/") if key else ():
        if scope is not None:
            segments.append(f"{scope}/{part}")
            scope = None
        elif part.startswith("@"):
            scope = part
        else:
            segments.append(part)
    if scope is not None:
        segments.append(scope)
    return segments

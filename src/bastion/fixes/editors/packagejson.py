"""npm's ``package.json``: raise declared ranges, pin transitive packages with overrides.

* A package declared in ``dependencies``, ``devDependencies`` or
  ``optionalDependencies`` gets its range raised in place, keeping its operator
  (``^4.17.15`` → ``^4.17.21``, ``4.17.15`` → ``4.17.21``). Ranges that are not one
  operator and one version are left for a person, with the reason.
* A copy the scan found deeper in the tree (not direct) is pinned where the package
  manager looks for that: npm's ``overrides`` and pnpm's ``pnpm.overrides`` get one
  entry per vulnerable installed version (``"cookie@0.3.1": "0.7.0"``), so other copies
  of the package (a direct dependency at another version, a copy that is already fixed)
  are not forced onto the same release, and npm does not refuse the override as
  conflicting with a direct dependency (``EOVERRIDE``); Yarn's ``resolutions`` and Bun's
  ``overrides`` take no version selector, so they get the package name and the highest
  fix.
* An existing override for the package is raised instead of adding a second one.

The package manager is told by the lockfile the scan read the package from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any, ClassVar

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors._constraints import UnsupportedConstraint, raise_constraint
from bastion.fixes.editors._jsontext import Node, Splices, Style, check, parse
from bastion.fixes.editors.base import (
    Bump,
    Change,
    EditError,
    EditResult,
    Occurrence,
    Skip,
    decode,
    encode,
    highest,
)

MANIFEST = "package.json"
# The files npm packages are found in, and the package manager each belongs to.
TOOLS: dict[str, str] = {
    "package.json": "npm",
    "package-lock.json": "npm",
    "npm-shrinkwrap.json": "npm",
    "yarn.lock": "yarn",
    "pnpm-lock.yaml": "pnpm",
    "bun.lock": "bun",
    "bun.lockb": "bun",
}
_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies")
# Where each package manager reads forced versions from; whether keys take "@version".
_OVERRIDES: dict[str, tuple[tuple[str, ...], bool]] = {
    "npm": (("overrides",), True),
    "pnpm": (("pnpm", "overrides"), True),
    "yarn": (("resolutions",), False),
    "bun": (("overrides",), False),
}


class PackageJsonEditor:
    name: ClassVar[str] = "npm/package.json"
    ecosystem: ClassVar[Ecosystem] = Ecosystem.NPM

    def manifest_for(self, source: PurePosixPath) -> PurePosixPath | None:
        return source.parent / MANIFEST if source.name in TOOLS else None

    def edit(self, path: PurePosixPath, data: bytes, bumps: Sequence[Bump]) -> EditResult:
        text, bom = decode(path, data)
        root = parse(text)
        if root.members is None:
            raise EditError(f"{path}: expected a JSON object at the top")
        edit = _Edit(text, root)
        for bump in bumps:
            edit.bump(bump)
        edit.add_overrides()
        edited = edit.splices.apply()
        check(edited, edit.expected)
        return EditResult(encode(edited, bom), tuple(edit.changes), tuple(edit.skipped))


class _Edit:
    def __init__(self, text: str, root: Node) -> None:
        self.root = root
        self.splices = Splices(text, Style.of(text, root))
        self.expected: dict[str, Any] = json.loads(text)
        self.changes: list[Change] = []
        self.skipped: list[Skip] = []
        # Override container path → (key, forced version, package) to add there.
        self.new_overrides: dict[tuple[str, ...], list[tuple[str, str, str]]] = {}

    def bump(self, bump: Bump) -> None:
        declared = False
        for section in _SECTIONS:
            entries = self.root.member(section)
            if entries is None or entries.value.members is None:
                continue
            entry = entries.value.member(bump.package)
            if entry is None:
                continue
            declared = True
            self._raise_declaration(bump, section, entry.value)
        transitive = [o for o in bump.occurrences if not o.direct]
        if transitive or not declared:
            self._override(bump, transitive or list(bump.occurrences))

    def _raise_declaration(self, bump: Bump, section: str, value: Node) -> None:
        spec = value.value
        if not isinstance(spec, str):
            self.skipped.append(Skip(bump.package, f"'{section}' entry is not a string"))
            return
        try:
            raised = raise_constraint(spec, bump.direct_target(), Ecosystem.NPM)
        except UnsupportedConstraint as exc:
            self.skipped.append(Skip(bump.package, exc.reason))
            return
        if raised is None:
            self.skipped.append(Skip(bump.package, _lockfile_only(section, spec)))
            return
        self.splices.replace(value, raised)
        self.expected[section][bump.package] = raised
        self.changes.append(Change(bump.package, spec, raised))

    def _override(self, bump: Bump, occurrences: list[Occurrence]) -> None:
        tool = _tool(occurrences)
        container, scoped = _OVERRIDES[tool]
        try:
            node = self._container(container)
        except _NotAnObject as exc:
            self.skipped.append(Skip(bump.package, f"'{exc}' is not an object"))
            return
        existing = node.member(bump.package) if node is not None else None
        if existing is not None:
            fixed = highest(Ecosystem.NPM, [o.fixed for o in occurrences])
            self._raise_override(bump.package, container, existing.value, fixed)
            return
        if scoped:
            forced = {o.installed: o.fixed for o in occurrences}
            entries = [(f"{bump.package}@{version}", fix) for version, fix in forced.items()]
        else:
            entries = [(bump.package, highest(Ecosystem.NPM, [o.fixed for o in occurrences]))]
        for key, fix in entries:
            current = node.member(key) if node is not None else None
            if current is not None:
                self._raise_override(key, container, current.value, fix, package=bump.package)
                continue
            self.new_overrides.setdefault(container, []).append((key, fix, bump.package))

    def _raise_override(
        self,
        key: str,
        container: tuple[str, ...],
        value: Node,
        fixed: str,
        *,
        package: str | None = None,
    ) -> None:
        package = package or key
        target, path = value, (*container, key)
        if value.members is not None:
            # npm's nested form {".": "1.0.0", "child": ...}: "." is the package itself.
            dot = value.member(".")
            if dot is None:
                self.skipped.append(Skip(package, f"override '{key}' has no '.' entry"))
                return
            target, path = dot.value, (*path, ".")
        spec = target.value
        if not isinstance(spec, str):
            self.skipped.append(Skip(package, f"override '{key}' is not a string"))
            return
        try:
            raised = raise_constraint(spec, fixed, Ecosystem.NPM)
        except UnsupportedConstraint as exc:
            self.skipped.append(Skip(package, f"existing override: {exc.reason}"))
            return
        if raised is None:
            self.skipped.append(Skip(package, f"override '{key}' already forces {spec}"))
            return
        self.splices.replace(target, raised)
        _set(self.expected, path, raised)
        selector = key if key != package else None
        self.changes.append(Change(package, spec, raised, override=True, selector=selector))

    def _container(self, path: tuple[str, ...]) -> Node | None:
        """The override object at ``path``, or None when it does not exist yet."""
        node = self.root
        for depth, key in enumerate(path, start=1):
            member = node.member(key)
            if member is None:
                return None
            node = member.value
            if node.members is None:
                raise _NotAnObject(".".join(path[:depth]))
        return node

    def add_overrides(self) -> None:
        for container, entries in self.new_overrides.items():
            # The deepest part of the path that exists; the rest is created with the entries.
            node, depth = self.root, 0
            for key in container:
                member = node.member(key)
                if member is None:
                    break
                node, depth = member.value, depth + 1
            value: Any = {key: fix for key, fix, _ in entries}
            for key in reversed(container[depth + 1 :]):
                value = {key: value}
            if depth == len(container):
                self.splices.add_members(node, list(value.items()))
            else:
                self.splices.add_members(node, [(container[depth], value)])
            for key, fix, package in entries:
                _set(self.expected, (*container, key), fix)
                selector = key if key != package else None
                self.changes.append(Change(package, "", fix, override=True, selector=selector))


class _NotAnObject(Exception):
    """An override container exists but holds something else than an object."""


def _tool(occurrences: Sequence[Occurrence]) -> str:
    for occurrence in occurrences:
        tool = TOOLS.get(PurePosixPath(occurrence.source).name)
        if tool is not None and tool in _OVERRIDES:
            return tool
    return "npm"


def _lockfile_only(section: str, spec: str) -> str:
    return f"'{section}' already asks for {spec}: only the lockfile needs refreshing"


def _set(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        doc = doc.setdefault(key, {})
    doc[path[-1]] = value

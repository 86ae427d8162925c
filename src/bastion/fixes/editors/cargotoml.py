"""Rust's ``Cargo.toml``: raise version requirements of declared crates in place.

Requirements are found where :mod:`bastion.sca.extractors.cargo.cargotoml` reads them:
``[dependencies]``, ``[dev-dependencies]``, ``[build-dependencies]`` (and the underscore
spellings), their ``[target.<cfg>.*]`` variants and ``[workspace.dependencies]``, written
``name = "1.2"`` or ``name = { version = "1.2", ... }``. A renamed dependency
(``alias = { package = "real", ... }``) is matched by its real name. The requirement
keeps its operator: Cargo reads a bare ``"1.2.3"`` as ``^1.2.3``, so it stays bare.

Crates only ``Cargo.lock`` pulls in have no requirement to raise; the pull request gives
``cargo update -p <crate> --precise <version>`` for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any, ClassVar

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.fixes.editors import _tomltext
from bastion.fixes.editors._constraints import UnsupportedConstraint, raise_constraint
from bastion.fixes.editors.base import Bump, Change, EditResult, Skip, decode, encode

MANIFEST = "Cargo.toml"
_KINDS = frozenset(
    {
        "dependencies",
        "dev-dependencies",
        "dev_dependencies",
        "build-dependencies",
        "build_dependencies",
    }
)
_OPERATORS = frozenset({"", "^", "~", "=", ">="})


class CargoTomlEditor:
    name: ClassVar[str] = "cargo/Cargo.toml"
    ecosystem: ClassVar[Ecosystem] = Ecosystem.CRATES_IO

    def manifest_for(self, source: PurePosixPath) -> PurePosixPath | None:
        if source.name in (MANIFEST, "Cargo.lock"):
            return source.parent / MANIFEST
        return None

    def edit(self, path: PurePosixPath, data: bytes, bumps: Sequence[Bump]) -> EditResult:
        text, bom = decode(path, data)
        doc = _tomltext.load(text)
        by_name = {_normalize(bump.package): bump for bump in bumps}
        edits: dict[_tomltext.TomlString, str] = {}
        changes: list[Change] = []
        skipped: list[Skip] = []
        found: set[str] = set()
        for literal in _tomltext.strings(text):
            crate = _crate(doc, literal.path)
            bump = by_name.get(_normalize(crate)) if crate is not None else None
            if bump is None:
                continue
            found.add(_normalize(bump.package))
            try:
                raised = raise_constraint(
                    literal.value, bump.direct_target(), Ecosystem.CRATES_IO, operators=_OPERATORS
                )
            except UnsupportedConstraint as exc:
                skipped.append(Skip(bump.package, exc.reason))
                continue
            if raised is None:
                skipped.append(Skip(bump.package, f"already requires {literal.value}"))
                continue
            edits[literal] = raised
            changes.append(Change(bump.package, literal.value, raised))
        for key, bump in by_name.items():
            if key not in found:
                skipped.append(Skip(bump.package, f"not declared in {path}"))
        edited = _tomltext.apply(text, edits) if edits else text
        return EditResult(encode(edited, bom), tuple(changes), tuple(skipped))


def _crate(doc: dict[str, Any], path: _tomltext.Path) -> str | None:
    """The crate whose version requirement the string at ``path`` is, if it is one."""
    if len(path) >= 2 and path[-1] == "version":
        table, key = path[:-2], path[-2]
    else:
        table, key = path[:-1], path[-1]
    if not isinstance(key, str) or not _is_dependency_table(table):
        return None
    entry: Any = doc
    try:
        for part in (*table, key):
            entry = entry[part]
    except (KeyError, IndexError, TypeError):
        return None  # the lexer placed it elsewhere than tomllib: leave it alone
    if isinstance(entry, dict):
        package = entry.get("package")
        return package if isinstance(package, str) else key
    return key


def _is_dependency_table(table: _tomltext.Path) -> bool:
    if len(table) == 1:
        return table[0] in _KINDS
    if len(table) == 3 and table[0] == "target":
        return table[2] in _KINDS
    return table == ("workspace", "dependencies")


def _normalize(name: str) -> str:
    return normalize_package_name(Ecosystem.CRATES_IO, name)

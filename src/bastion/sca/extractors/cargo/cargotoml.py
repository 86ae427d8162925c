"""Rust ``Cargo.toml`` manifests, for crates without a ``Cargo.lock``.

Dependencies come from ``[dependencies]``, ``[dev-dependencies]`` (group "dev"),
``[build-dependencies]`` (group "build"), their ``[target.<cfg>.*]`` variants and
``[workspace.dependencies]``; the underscore spellings Cargo still accepts
(``dev_dependencies``) count too. ``[patch]`` and ``[replace]`` only override sources of
crates declared elsewhere and are not dependencies themselves.

A manifest names requirements, not versions: Cargo reads ``"1.2.3"`` as ``^1.2.3``. Only
an exact requirement (``=1.2.3``) names the version that gets built; every other
dependency is listed with no version and the requirement in its note. A renamed
dependency (``alias = { package = "real" }``) is reported under the crate's real name.

``workspace = true`` takes the entry from the workspace root's ``[workspace.dependencies]``,
found as Cargo finds it: ``package.workspace`` when set, else the nearest parent directory
whose ``Cargo.toml`` has a ``[workspace]`` listing this crate among its ``members``. When
that root has a ``Cargo.lock``, the lockfile already covers this member with resolved
versions, so a member manifest reports nothing (the walker only sees lockfiles in the same
directory).

``[package] license`` is this crate's own license, not a dependency's, so it is not
reported: dependencies get none (their licenses are in their own manifests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.cargo._toml import load_toml

# (table key, group); Cargo accepts the underscore spellings with a warning.
_KINDS = (
    ("dependencies", None),
    ("dev-dependencies", "dev"),
    ("dev_dependencies", "dev"),
    ("build-dependencies", "build"),
    ("build_dependencies", "build"),
)
# Dependencies sit at most at ("target", cfg, kind, name); deeper keys are never looked
# up, and recording every prefix of a long dotted key would be quadratic.
_DEEPEST = 4
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# semver::Op::Exact with all three parts: the only requirement that pins one version.
_EXACT = re.compile(r"=\s*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)")

_Table = dict[str, object]
# Entry fields that must be strings for the entry to make sense.
_STRINGS = frozenset({"version", "package", "path", "git", "registry", "branch", "tag", "rev"})


@dataclass(frozen=True, slots=True)
class _Section:
    key: tuple[str, ...]  # where the table sits, e.g. ("target", "cfg(unix)", "dependencies")
    entries: _Table
    group: str | None
    target: str | None


class CargoTomlExtractor:
    name: ClassVar[str] = "cargo/cargotoml"
    superseded_by: ClassVar[frozenset[str]] = frozenset({"Cargo.lock"})

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "Cargo.toml"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_toml(text)
        workspace = _find_workspace(source, doc)
        if workspace is not None and workspace.root != source.path.parent and workspace.locked:
            return []  # the workspace's Cargo.lock lists this member's dependencies
        inherited = workspace.dependencies if workspace is not None else None
        lines = _key_lines(text)
        where = str(source.path)
        found: list[Dependency] = []
        for section in _sections(doc):
            for key, raw in section.entries.items():
                spec = _spec(section, key, raw)
                name, version, note, kind = _resolve(key, spec, inherited, workspace)
                group = section.group or kind
                notes = [note] if note else []
                if section.target is not None:
                    notes.append(f"only for target {section.target}")
                if section.key == ("workspace", "dependencies"):
                    notes.append("declared for the workspace's members to inherit")
                found.append(
                    Dependency(
                        name=name,
                        version=version,
                        ecosystem=Ecosystem.CRATES_IO,
                        direct=True,
                        source=where,
                        line=lines.get((*section.key, key)),
                        extractor=self.name,
                        group=group,
                        path=(name,),
                        note="; ".join(notes) or None,
                    )
                )
        # File order; tables such as [dependencies.serde] come after their section.
        found.sort(key=lambda dep: dep.line if dep.line is not None else 1 << 62)
        return found


def _sections(doc: _Table) -> list[_Section]:
    sections: list[_Section] = []

    def add(key: tuple[str, ...], value: object, group: str | None, target: str | None) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            raise ExtractionError(f"[{'.'.join(key)}] should be a table")
        sections.append(_Section(key, value, group, target))

    for kind, group in _KINDS:
        add((kind,), doc.get(kind), group, None)
    targets = doc.get("target")
    if targets is not None:
        if not isinstance(targets, dict):
            raise ExtractionError("[target] should be a table")
        for target, table in targets.items():
            if not isinstance(table, dict):
                raise ExtractionError(f"[target.{target}] should be a table")
            for kind, group in _KINDS:
                add(("target", target, kind), table.get(kind), group, target)
    workspace = doc.get("workspace")
    if isinstance(workspace, dict):
        add(("workspace", "dependencies"), workspace.get("dependencies"), None, None)
    elif workspace is not None:
        raise ExtractionError("[workspace] should be a table")
    return sections


def _spec(section: _Section, key: str, raw: object) -> _Table:
    """A dependency entry as a table: ``"1.0"`` is short for ``{ version = "1.0" }``."""
    if isinstance(raw, str):
        return {"version": raw}
    if isinstance(raw, dict):
        for field in sorted(_STRINGS & raw.keys()):
            if not isinstance(raw[field], str):
                raise ExtractionError(
                    f"'{field}' of dependency {key} in [{'.'.join(section.key)}] should be a string"
                )
        return raw
    raise ExtractionError(
        f"dependency {key} in [{'.'.join(section.key)}] should be a string or a table"
    )


def _resolve(
    key: str, spec: _Table, inherited: _Table | None, workspace: _Workspace | None
) -> tuple[str, str | None, str | None, str | None]:
    """(real name, exact version or None, note, "optional"/"local"/None) of one entry."""
    optional = spec.get("optional") is True
    if spec.get("workspace") is True:
        found = _inherit(key, inherited, workspace)
        if isinstance(found, str):
            return key, None, found, "optional" if optional else None
        # Members may add features and make the dependency optional; the rest is the
        # workspace's.
        real, pinned, note, kind = _resolve(key, found, None, None)
        note = f"inherited from [workspace.dependencies]: {note}" if note else None
        return real, pinned, note, "optional" if optional else kind
    kind = "optional" if optional else None
    name = str(spec.get("package", key))
    requirement = spec.get("version")
    requirement = requirement if isinstance(requirement, str) else None
    git, path, registry = spec.get("git"), spec.get("path"), spec.get("registry")
    if isinstance(git, str) or isinstance(path, str):
        if isinstance(git, str):
            origin = f"from git {git}"
            for ref in ("branch", "tag", "rev"):
                if isinstance(spec.get(ref), str):
                    origin += f" ({ref} {spec[ref]})"
        else:
            origin, kind = f"from path {path}", kind or "local"
        # Git and path sources are built as they are; a version there only constrains.
        note = f"{origin}, no version"
        if requirement is not None:
            note += f" (declared requirement {_caret(requirement)})"
        return name, None, note, kind
    notes = [f"from registry {registry}"] if isinstance(registry, str) else []
    version: str | None = None
    if requirement is None:
        notes.append("no version requirement")
    elif (exact := _EXACT.fullmatch(requirement.strip())) is not None:
        version = exact.group(1)
    else:
        notes.append(f"declared requirement {_caret(requirement)}, not resolved")
    return name, version, "; ".join(notes) or None, kind


def _inherit(key: str, inherited: _Table | None, workspace: _Workspace | None) -> _Table | str:
    """The workspace's entry for ``key`` as a table, or why there is none."""
    if workspace is None or inherited is None:
        return "inherits from its workspace, but no workspace root lists this crate"
    entry = inherited.get(key)
    if entry is None:
        return f"the workspace has no [workspace.dependencies] {key}"
    if isinstance(entry, str):
        return {"version": entry}
    if isinstance(entry, dict) and all(isinstance(entry[f], str) for f in _STRINGS & entry.keys()):
        return entry
    return f"the workspace's entry for {key} is malformed"


def _caret(requirement: str) -> str:
    """Spell out Cargo's default operator: ``1.2, <1.5`` means ``^1.2, <1.5``."""
    parts = [part.strip() for part in requirement.split(",")]
    return ", ".join(f"^{part}" if part[:1].isdigit() else part for part in parts)


@dataclass(frozen=True, slots=True)
class _Workspace:
    root: PurePosixPath
    dependencies: _Table
    locked: bool


def _find_workspace(source: ExtractInput, doc: _Table) -> _Workspace | None:
    here = source.path.parent
    if isinstance(doc.get("workspace"), dict):
        return _workspace_at(source, here, doc)
    package = doc.get("package")
    explicit = package.get("workspace") if isinstance(package, dict) else None
    # package.workspace names the root; otherwise Cargo searches upwards.
    explicit_root = _normalise(here / explicit) if isinstance(explicit, str) else None
    candidates = [explicit_root] if explicit_root is not None else list(here.parents)
    for directory in candidates:
        data = source.read_relative(directory / "Cargo.toml")
        if data is None:
            continue
        try:
            root = load_toml(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ExtractionError):
            continue  # reported when that manifest is scanned itself
        workspace = root.get("workspace")
        if not isinstance(workspace, dict):
            continue
        if not _is_member(here, directory, workspace):
            return None
        return _workspace_at(source, directory, root)
    return None


def _workspace_at(source: ExtractInput, root: PurePosixPath, doc: _Table) -> _Workspace:
    workspace = doc.get("workspace")
    dependencies = workspace.get("dependencies") if isinstance(workspace, dict) else None
    return _Workspace(
        root,
        dependencies if isinstance(dependencies, dict) else {},
        source.read_relative(root / "Cargo.lock") is not None,
    )


def _is_member(member: PurePosixPath, root: PurePosixPath, workspace: _Table) -> bool:
    """Whether ``workspace.members`` (globs relative to the root) name ``member``."""
    if member == root:
        return True
    members = workspace.get("members", [])
    excluded = workspace.get("exclude", [])
    globs = [m for m in members if isinstance(m, str)] if isinstance(members, list) else []
    skips = [e for e in excluded if isinstance(e, str)] if isinstance(excluded, list) else []
    text = member.as_posix()
    for skip in skips:
        prefix = _normalise(root / skip).as_posix()
        if text == prefix or text.startswith(prefix + "/"):
            return False
    return any(fnmatchcase(text, _normalise(root / g).as_posix()) for g in globs)


def _normalise(path: PurePosixPath) -> PurePosixPath:
    """Resolve ``..`` without touching the filesystem (paths here are repo-relative)."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """First line at which each key path (and every prefix of it) is written.

    A light scan, not a TOML parser: table headers set the current table, ``key =``
    lines add keys below it. It only feeds ``Dependency.line``, so a key it cannot place
    costs a line number, nothing else.
    """
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_multiline: str | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if in_multiline is not None:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        for quotes in ('"""', "'''"):
            if line.count(quotes) % 2 == 1:
                in_multiline = quotes
        if line.startswith("["):
            array = line.startswith("[[")
            keys, end = _parse_key(line, 2 if array else 1)
            if keys is not None and line[end:].lstrip().startswith("]"):
                table = tuple(keys)
                for size in range(1, min(len(table), _DEEPEST) + 1):
                    lines.setdefault(table[:size], number)
            continue
        keys, end = _parse_key(line, 0)
        if keys is not None and line[end:].lstrip().startswith("="):
            path = (*table, *keys)
            for size in range(len(table) + 1, min(len(path), _DEEPEST) + 1):
                lines.setdefault(path[:size], number)
    return lines


def _parse_key(line: str, position: int) -> tuple[list[str] | None, int]:
    """A dotted TOML key starting at ``position``: (parts, end) or (None, position)."""
    keys: list[str] = []
    while True:
        while position < len(line) and line[position] in " \t":
            position += 1
        if position >= len(line):
            return None, position
        char = line[position]
        if char in "\"'":
            end = position + 1
            while end < len(line) and line[end] != char:
                end += 2 if char == '"' and line[end] == "\\" else 1
            if end >= len(line):
                return None, position
            keys.append(line[position + 1 : end].replace('\\"', '"').replace("\\\\", "\\"))
            position = end + 1
        else:
            match = _BARE_KEY.match(line, position)
            if match is None:
                return None, position
            keys.append(match.group(0))
            position = match.end()
        while position < len(line) and line[position] in " \t":
            position += 1
        if position < len(line) and line[position] == ".":
            position += 1
            continue
        return keys, position

"""Yarn's ``yarn.lock``: classic (v1, Yarn's own syntax) and Berry (v2+, YAML).

Both key each entry by the descriptors (``name@range``) it satisfies and list each
entry's dependencies as name → range, so a dependency is found by the descriptor it
spells. Classic records nothing about the project itself; Berry records every
workspace, the project included (``name@workspace:.``, left out).

Direct dependencies come from the ``package.json`` beside the lockfile (Berry's root
workspace entry when there is none); groups follow from the sections that declare them.
Without either, the entries nothing depends on are taken as the direct ones.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar
from urllib.parse import unquote

from bastion.models import Dependency
from bastion.sca.extractors import _yaml
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.npm._common import (
    LOCAL,
    Json,
    Manifest,
    Node,
    dependencies,
    is_registry_range,
    kind,
    local_node,
    origin,
    read_manifest,
    registry_node,
    resolve,
    split_spec,
    string_map,
    unalias,
    unrequired,
)

# Berry's lockfile is YAML with this key at the start of a line; classic files never have it.
_BERRY_MARKER = "__metadata:"
_DEPENDENCY_FIELDS = ("dependencies", "optionalDependencies")


class YarnLockExtractor:
    name: ClassVar[str] = "npm/yarnlock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "yarn.lock"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        manifest = read_manifest(source.sibling("package.json"))
        # str methods, not a "^" pattern: that is tried at every character of a large file.
        if text.startswith(_BERRY_MARKER) or f"\n{_BERRY_MARKER}" in text:
            nodes, declarations, roots = _berry(text, manifest, source)
        else:
            nodes, declarations, roots = _classic(text, manifest)
        direct, paths = resolve(nodes, declarations, roots)
        return dependencies(nodes, direct, paths, str(source.path), self.name)


# --- classic ---------------------------------------------------------------------------

_LINE_TOKEN = re.compile(
    r"""[ \t]*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<comment>\#.*)
    | (?P<punct>[,:])
    | (?P<word>[^\s,:"\#][^\s,:"]*)
    | (?P<bad>\S)
    )""",
    re.VERBOSE,
)
# The shapes of nearly every line Yarn writes: ``key value`` and ``key:``, each token
# quoted without escapes or bare. The tokens are those of _LINE_TOKEN; anything else (a
# comment, a tab, an escape, several keys) goes through the general tokenizer.
_QUOTED = r'"([^"\\\x00-\x1f]*)"'  # what json.loads returns as is, quotes removed
_BARE = r'([^\s,:"\#][^\s,:"]*)'
_SIMPLE_LINE = re.compile(rf"(?:{_QUOTED}|{_BARE})(?:(:)|[ ]+(?:{_QUOTED}|{_BARE}))")
# An entry's header with several descriptors: ``"a@^1.0.0", "a@^1.1.0":``.
_KEY = re.compile(f"{_QUOTED}|{_BARE}")
_KEYS_LINE = re.compile(rf"(?:{_QUOTED}|{_BARE})(?:, (?:{_QUOTED}|{_BARE}))+:")
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>")


@dataclass(slots=True)
class _ClassicEntry:
    keys: list[str]
    line: int
    fields: dict[str, str]
    dependencies: dict[str, str]


def _classic(
    text: str, manifest: Manifest | None
) -> tuple[list[Node], list[tuple[int, str | None]], list[int]]:
    entries = _parse_classic(text)
    nodes: list[Node] = []
    by_descriptor: dict[str, int] = {}
    for entry in entries:
        name, spec = unalias(*split_spec(entry.keys[0]))
        if not name:
            raise ExtractionError(f"entry {entry.keys[0]!r} names no package", entry.line)
        # A git URL or a path says more than the version of whatever it pointed at.
        found = origin(entry.fields.get("version", "") if is_registry_range(spec) else spec)
        for key in entry.keys:
            by_descriptor[key] = len(nodes)
        nodes.append(registry_node(name, found, entry.line))

    for node, entry in zip(nodes, entries, strict=True):
        node.edges = [
            by_descriptor[descriptor]
            for dep, spec in entry.dependencies.items()
            if (descriptor := f"{dep}@{spec}") in by_descriptor
        ]

    if manifest is None:
        guessed = unrequired(nodes)
        return nodes, [(index, None) for index in guessed], guessed
    declarations = [
        (by_descriptor[descriptor], group)
        for name, spec, group in manifest.declared
        if (descriptor := f"{name}@{spec}") in by_descriptor
    ]
    if manifest.has_workspaces:
        # Classic does not record workspaces: what no entry needs, one of them declares.
        declared = {index for index, _ in declarations}
        declarations.extend((index, None) for index in unrequired(nodes) if index not in declared)
    return nodes, declarations, [index for index, _ in declarations]


def _parse_classic(text: str) -> list[_ClassicEntry]:
    """Yarn's own indentation syntax: ``keys:`` opens a block, ``key value`` is a field."""
    entries: list[_ClassicEntry] = []
    entry: _ClassicEntry | None = None
    block: str | None = None  # the open block inside an entry ("dependencies", ...)
    depth_open = 0  # how deep the next line may be
    lines = text.split("\n")
    if "\r" in text:
        lines = [line.rstrip("\r") for line in lines]
    for number, line in enumerate(lines, start=1):
        content = line.lstrip(" ")
        if not content or content[0] == "#" or content.isspace():
            continue
        if content[0] in "<=>" and content.startswith(_CONFLICT_MARKERS):
            raise ExtractionError("unresolved merge conflict", number)
        indent = len(line) - len(content)
        if content[0] == "\t" or indent % 2:
            raise ExtractionError("indentation must be a multiple of two spaces", number)
        depth = indent // 2
        if depth > depth_open:
            raise ExtractionError("unexpected indentation", number)
        keys, opens, value = _parse_line(content, number)
        if depth == 0:
            block = None
            if opens:
                entry = _ClassicEntry(keys, number, {}, {})
                entries.append(entry)
                depth_open = 1
            else:
                entry = None  # a top-level field; Yarn writes none, nothing to report
                depth_open = 0
            continue
        if entry is None:
            continue
        if depth == 1:
            block = keys[0] if opens else None
            depth_open = 2 if opens else 1
            if not opens and value is not None:
                entry.fields.setdefault(keys[0], value)
            continue
        # Deeper: fields of a block; only dependency lists matter.
        depth_open = depth + 1 if opens else depth
        if depth == 2 and block in _DEPENDENCY_FIELDS and value is not None:
            entry.dependencies.setdefault(keys[0], value)
    return entries


def _parse_line(content: str, number: int) -> tuple[list[str], bool, str | None]:
    """(keys, opens a block, value) of one line's content."""
    simple = _SIMPLE_LINE.fullmatch(content)
    if simple is None:
        if content[-1] == ":" and _KEYS_LINE.fullmatch(content):
            return _keys(content), True, None
        return _parse_tokens(content, number)
    quoted_key, bare_key, colon, quoted_value, bare_value = simple.groups()
    key = bare_key if quoted_key is None else quoted_key
    if colon is not None:
        return [key], True, None
    return [key], False, bare_value if quoted_value is None else quoted_value


def _keys(content: str) -> list[str]:
    """The keys of a header that _KEYS_LINE matches."""
    return [quoted or bare for quoted, bare in _KEY.findall(content, 0, len(content) - 1)]


def _parse_tokens(content: str, number: int) -> tuple[list[str], bool, str | None]:
    """:func:`_parse_line` for any line, token by token."""
    tokens: list[tuple[str, str]] = []
    for match in _LINE_TOKEN.finditer(content):
        kind_ = match.lastgroup
        if kind_ is None or kind_ == "comment":
            break
        token = match.group(kind_)
        if kind_ == "bad":
            raise ExtractionError(f"unexpected {token!r}", number)
        if kind_ == "string":
            try:
                token = json.loads(token)
            except ValueError as exc:
                raise ExtractionError(f"bad string {token}", number) from exc
        tokens.append((kind_, token))

    keys: list[str] = []
    position = 0
    while True:
        if position >= len(tokens) or tokens[position][0] not in ("string", "word"):
            raise ExtractionError("expected a key", number)
        keys.append(tokens[position][1])
        position += 1
        if position < len(tokens) and tokens[position] == ("punct", ","):
            position += 1
            continue
        break
    opens = position < len(tokens) and tokens[position] == ("punct", ":")
    if opens:
        position += 1
    value: str | None = None
    if position < len(tokens) and tokens[position][0] in ("string", "word"):
        value = tokens[position][1]
        position += 1
        opens = False
    if position != len(tokens) or (not opens and value is None):
        raise ExtractionError("expected 'key value' or 'key:'", number)
    return keys, opens, value


# --- Berry ----------------------------------------------------------------------------


def _berry(
    text: str, manifest: Manifest | None, source: ExtractInput
) -> tuple[list[Node], list[tuple[int, str | None]], list[int]]:
    documents = _yaml.load_all(text)
    if len(documents) != 1:
        raise ExtractionError(f"expected one YAML document, found {len(documents)}")
    doc = documents[0].data
    if not isinstance(doc, dict):
        raise ExtractionError(f"expected a mapping at the top, got {kind(doc)}", 1)
    lines = _yaml.key_lines(documents[0])

    nodes: list[Node] = []
    by_descriptor: dict[str, int] = {}
    by_resolution: dict[str, int] = {}
    raw_entries: list[tuple[int, dict[str, Json]]] = []
    root: dict[str, Json] | None = None
    workspaces: dict[int, str] = {}  # node → folder
    patches: list[tuple[int, str]] = []  # (node, the locator it patches)
    for key, raw in doc.items():
        if key == "__metadata":
            continue
        line = lines.get(key)
        if not isinstance(raw, dict):
            raise ExtractionError(f"entry {key!r} should be a mapping, got {kind(raw)}", line)
        descriptors = [part.strip() for part in key.split(",") if part.strip()]
        resolution = raw.get("resolution")
        if not isinstance(resolution, str) or not resolution:
            raise ExtractionError(f"entry {key!r} has no 'resolution'", line)
        name, reference = split_spec(resolution)
        if not name:
            raise ExtractionError(f"entry {key!r}: unreadable resolution {resolution!r}", line)
        if reference == "workspace:.":
            root = raw
            continue

        index = len(nodes)
        if reference.startswith("npm:"):
            nodes.append(registry_node(name, origin(reference[4:]), line))
        elif reference.startswith("workspace:"):
            folder = reference.removeprefix("workspace:")
            nodes.append(
                Node(
                    name,
                    None,
                    line,
                    f"local workspace package at {folder}",
                    group=LOCAL,
                    fixed_group=True,
                    project=True,
                )
            )
            workspaces[index] = folder
        elif reference.startswith("patch:"):
            inner = unquote(reference.removeprefix("patch:").partition("#")[0])
            inner_name, inner_reference = split_spec(inner)
            version = inner_reference.removeprefix("npm:")
            if not inner_reference.startswith("npm:"):
                version = str(raw.get("version") or "")
            found = origin(version)
            nodes.append(registry_node(inner_name or name, found, line))
            patches.append((index, inner))
        else:
            local_spec = split_spec(descriptors[0])[1] if descriptors else reference
            found = origin(reference.partition("::")[0])
            if found.local:
                nodes.append(local_node(name, origin(local_spec.partition("::")[0]), line))
            else:
                nodes.append(registry_node(name, found, line))
        for descriptor in descriptors:
            by_descriptor[descriptor] = index
        by_resolution[resolution] = index
        raw_entries.append((index, raw))

    # A patched package is reported once, as the package it patches.
    redirect: dict[int, int] = {}
    for index, inner in patches:
        target = by_resolution.get(inner)
        if target is not None and target != index:
            nodes[index].reported = False
            redirect[index] = target
    if redirect:
        by_descriptor = {key: redirect.get(index, index) for key, index in by_descriptor.items()}
    # Berry binds a relative path to the workspace it is relative to (``file:./x::locator=
    # app%40workspace%3A.``) in the key, not in the dependency that spells it.
    bare: dict[str, int | None] = {}
    for descriptor, index in by_descriptor.items():
        if "::" in descriptor:
            short = descriptor.partition("::")[0]
            bare[short] = index if bare.get(short, index) == index else None
    for short, unique in bare.items():
        if unique is not None:
            by_descriptor.setdefault(short, unique)

    declarations: list[tuple[int, str | None]] = []
    groups = manifest.group_of() if manifest is not None else {}
    for index, raw in raw_entries:
        targets = _berry_edges(raw, by_descriptor)
        nodes[index].edges = [target for target, _ in targets]
        if nodes[index].project:
            workspace_groups = _workspace_groups(workspaces[index], source)
            declarations.extend(
                (target, _group(dep, workspace_groups, raw)) for target, dep in targets
            )

    own: list[tuple[int, str | None]] = []
    if root is not None:
        own = [
            (target, _group(dep, groups, root)) for target, dep in _berry_edges(root, by_descriptor)
        ]
    elif manifest is not None:
        for dep, spec, group in manifest.declared:
            for descriptor in (f"{dep}@{spec}", f"{dep}@npm:{spec}"):
                if descriptor in by_descriptor:
                    own.append((by_descriptor[descriptor], group))
                    break
    else:
        own = [(index, None) for index in unrequired(nodes)]
    return nodes, own + declarations, [index for index, _ in own] + list(workspaces)


def _berry_edges(raw: dict[str, Json], by_descriptor: dict[str, int]) -> list[tuple[int, str]]:
    """(node, dependency name) for each dependency the lockfile can resolve."""
    found: list[tuple[int, str]] = []
    for field in _DEPENDENCY_FIELDS:
        for dep, spec in string_map(raw.get(field)).items():
            target = by_descriptor.get(f"{dep}@{spec}")
            if target is not None:
                found.append((target, dep))
    return found


def _group(dep: str, groups: dict[str, str | None], raw: dict[str, Json]) -> str | None:
    """A declaration's group: from package.json, else Berry's ``dependenciesMeta``."""
    if dep in groups:
        return groups[dep]
    meta = raw.get("dependenciesMeta")
    flags = meta.get(dep) if isinstance(meta, dict) else None
    return "optional" if isinstance(flags, dict) and flags.get("optional") is True else None


def _workspace_groups(folder: str, source: ExtractInput) -> dict[str, str | None]:
    """The groups a workspace's own package.json gives its dependencies ({} if unreadable).

    Berry lists a workspace's dev dependencies among its plain ones.
    """
    folder_path = posixpath.normpath(posixpath.join(str(source.path.parent), folder))
    manifest = read_manifest(source.read_relative(PurePosixPath(folder_path) / "package.json"))
    return manifest.group_of() if manifest is not None else {}

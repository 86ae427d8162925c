"""Bundler ``Gemfile.lock`` (and ``gems.locked``).

The layout, as Bundler's ``LockfileParser`` reads it: unindented section names; in the
source sections (``GEM``, ``GIT``, ``PATH``, ``PLUGIN SOURCE``) two-space ``key: value``
options and ``specs:``, then four-space ``name (version[-platform])`` specs, each followed
by six-space ``name (requirement)`` dependency lines; ``DEPENDENCIES`` lists what the
Gemfile asks for (``!`` when it comes from a source of its own); ``BUNDLED WITH`` names
the Bundler release that wrote the file. ``PLATFORMS``, ``CHECKSUMS`` and ``RUBY VERSION``
hold no packages.

* A version is written ``1.15.4-x86_64-linux`` when the gem is built for one platform; the
  version is the part before the first ``-`` (as in Bundler, versions in lockfiles never
  contain one). One gem locked for several platforms is reported once, with the platforms
  in its note.
* ``PATH`` with ``remote: .`` is the project's own gemspec: left out, and what it depends
  on counts as direct.
* A ``DEPENDENCIES`` entry without any spec (a gem for a platform the lockfile does not
  cover, such as ``wdm`` on Windows) is listed without a version.
* ``BUNDLED WITH`` is reported as the gem ``bundler`` in the group "tool".
* Groups come from the neighbouring ``Gemfile`` when it exists: ``group :x do ... end``
  blocks and ``group:``/``groups:`` options on ``gem`` lines, read by a line scanner (a
  Gemfile is Ruby; anything cleverer than these forms leaves the gem in the default
  group). A transitive gem is in the default group when any default gem needs it, else in
  the groups of the gems that need it. ``:development`` is reported as "dev". With a
  ``gemspec`` line, DEPENDENCIES entries no ``gem`` line declares are the gemspec's
  development dependencies, which Bundler puts in the development group.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._graph import shortest_paths
from bastion.sca.extractors.base import ExtractInput, ExtractionError

_SOURCES = frozenset({"GEM", "GIT", "PATH", "PLUGIN SOURCE"})
_KNOWN = _SOURCES | {"PLATFORMS", "DEPENDENCIES", "BUNDLED WITH", "RUBY VERSION", "CHECKSUMS"}
# Bundler's NAME_VERSION, applied after the indentation is checked.
_SPEC = re.compile(r"(?P<name>[^\s(!]+)(?: \((?P<version>[^-)]*)(?:-(?P<platform>[^)]*))?\))?")
_DEPENDENCY = re.compile(r"(?P<name>[^\s(!]+)(?: \((?P<requirement>[^)]*)\))?(?P<pinned>!)?")
_OPTION = re.compile(r"(?P<key>[a-z_]+): ?(?P<value>.*)")
_RUBYGEMS = ("https://rubygems.org", "http://rubygems.org", "https://rubygems.org/")
_GROUP_NAMES = {"development": "dev"}


@dataclass(slots=True)
class _Source:
    kind: str
    options: dict[str, str] = field(default_factory=dict)
    remotes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Spec:
    name: str
    version: str
    source: _Source
    line: int
    platforms: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Lockfile:
    specs: list[_Spec] = field(default_factory=list)
    # DEPENDENCIES: name -> line.
    dependencies: dict[str, int] = field(default_factory=dict)
    bundler: tuple[str, int] | None = None


class GemfileLockExtractor:
    name: ClassVar[str] = "ruby/gemfilelock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name in ("Gemfile.lock", "gems.locked")

    def extract(self, source: ExtractInput) -> list[Dependency]:
        lock = _parse(source.text())
        roots = {s.name for s in lock.specs if s.source.kind == "PATH" and _is_project(s.source)}
        by_name: dict[str, list[_Spec]] = {}
        for spec in lock.specs:
            by_name.setdefault(spec.name, []).append(spec)

        direct: dict[str, None] = {}  # ordered set
        for name in lock.dependencies:
            if name not in roots:
                direct[name] = None
        for root in roots:
            for spec in by_name.get(root, ()):
                for need in spec.needs:
                    if need not in roots:
                        direct[need] = None

        edges = {name: [n for s in specs for n in s.needs] for name, specs in by_name.items()}
        paths = _shortest_paths(list(direct), edges)
        manifest = source.sibling("gems.rb" if source.path.name == "gems.locked" else "Gemfile")
        declared = _gemfile_groups(manifest.decode("utf-8", "replace")) if manifest else {}
        if manifest is not None and _GEMSPEC.search(manifest.decode("utf-8", "replace")):
            # `gemspec` adds the gemspec's development dependencies to DEPENDENCIES in
            # the :development group; its runtime ones sit under the PATH spec instead.
            for name in lock.dependencies:
                if name not in declared and name not in roots:
                    declared[name] = frozenset({"dev"})
        groups = _groups(list(direct), edges, declared)

        where = str(source.path)
        found: list[Dependency] = []
        seen: set[tuple[str, str | None]] = set()
        for spec in lock.specs:
            if spec.name in roots or (spec.name, spec.version) in seen:
                continue
            seen.add((spec.name, spec.version))
            group = groups.get(spec.name)
            if group is None and spec.source.kind == "PATH":
                group = "local"
            found.append(
                Dependency(
                    name=spec.name,
                    version=spec.version,
                    ecosystem=Ecosystem.RUBYGEMS,
                    direct=spec.name in direct,
                    source=where,
                    line=spec.line,
                    extractor=self.name,
                    group=group,
                    path=paths.get(spec.name, ()),
                    note=_note(spec),
                )
            )
        for name, line in lock.dependencies.items():
            if name not in by_name:
                found.append(
                    Dependency(
                        name=name,
                        version=None,
                        ecosystem=Ecosystem.RUBYGEMS,
                        direct=True,
                        source=where,
                        line=line,
                        extractor=self.name,
                        group=groups.get(name),
                        path=(name,),
                        note="in DEPENDENCIES but locked for none of the lockfile's platforms",
                    )
                )
        if lock.bundler is not None and ("bundler", lock.bundler[0]) not in seen:
            found.append(
                Dependency(
                    name="bundler",
                    version=lock.bundler[0],
                    ecosystem=Ecosystem.RUBYGEMS,
                    direct=False,
                    source=where,
                    line=lock.bundler[1],
                    extractor=self.name,
                    group="tool",
                    note="the Bundler release that wrote this lockfile (BUNDLED WITH)",
                )
            )
        return found


def _parse(text: str) -> _Lockfile:
    lock = _Lockfile()
    section: str | None = None
    current_source: _Source | None = None
    in_specs = False
    spec: _Spec | None = None
    merged: dict[tuple[int, str, str], _Spec] = {}  # (source id, name, version)
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        content = line[indent:]
        if content != content.rstrip() or "\t" in line:
            raise ExtractionError(f"unexpected whitespace in {line.strip()!r}", number)
        if indent == 0:
            section, spec, in_specs = content, None, False
            if section not in _KNOWN and not section.isupper():
                raise ExtractionError(f"not a Gemfile.lock: unexpected line {content!r}", number)
            current_source = _Source(section) if section in _SOURCES else None
            continue
        if section is None:
            raise ExtractionError("indented line before any section", number)
        if current_source is not None:
            if indent == 2:
                if content == "specs:":
                    in_specs = True
                    continue
                option = _OPTION.fullmatch(content)
                if option is None:
                    raise ExtractionError(f"unexpected line in {section}: {content!r}", number)
                key, value = option["key"], option["value"]
                if key == "remote":
                    current_source.remotes.append(value)
                current_source.options.setdefault(key, value)
            elif indent == 4 and in_specs:
                spec = _spec_line(content, current_source, number, merged, lock)
            elif indent == 6 and spec is not None:
                match = _DEPENDENCY.fullmatch(content)
                if match is None or match["pinned"]:
                    raise ExtractionError(f"malformed dependency line {content!r}", number)
                if match["name"] not in spec.needs:
                    spec.needs.append(match["name"])
            else:
                raise ExtractionError(f"unexpected indentation in {section}", number)
        elif section == "DEPENDENCIES":
            match = _DEPENDENCY.fullmatch(content)
            if indent != 2 or match is None:
                raise ExtractionError(f"malformed DEPENDENCIES line {content!r}", number)
            lock.dependencies.setdefault(match["name"], number)
        elif section == "BUNDLED WITH":
            if not re.fullmatch(r"[0-9][0-9A-Za-z.]*", content):
                raise ExtractionError(f"malformed Bundler version {content!r}", number)
            lock.bundler = (content, number)
        # PLATFORMS, CHECKSUMS, RUBY VERSION and sections newer than this parser hold
        # no packages.
    return lock


def _spec_line(
    content: str,
    source: _Source,
    number: int,
    merged: dict[tuple[int, str, str], _Spec],
    lock: _Lockfile,
) -> _Spec:
    match = _SPEC.fullmatch(content)
    if match is None or not match["version"]:
        raise ExtractionError(f"malformed spec {content!r}: expected 'name (version)'", number)
    key = (id(source), match["name"], match["version"])
    spec = merged.get(key)
    if spec is None:
        spec = _Spec(match["name"], match["version"], source, number)
        merged[key] = spec
        lock.specs.append(spec)
    platform = match["platform"] or "ruby"
    if platform not in spec.platforms:
        spec.platforms.append(platform)
    return spec


def _is_project(source: _Source) -> bool:
    return source.options.get("remote", "").rstrip("/") in (".", "")


def _note(spec: _Spec) -> str | None:
    notes: list[str] = []
    options, kind = spec.source.options, spec.source.kind
    remote = options.get("remote", "")
    if kind == "GIT":
        notes.append(f"from git {remote}@{options.get('revision', '?')}")
    elif kind == "PATH":
        notes.append(f"from path {remote}")
    elif kind == "PLUGIN SOURCE":
        notes.append(f"from plugin source {remote} ({options.get('type', '?')})")
    elif spec.source.remotes and not any(r.rstrip("/") in _RUBYGEMS for r in spec.source.remotes):
        notes.append(f"from gem server {', '.join(spec.source.remotes)}")
    if spec.platforms != ["ruby"]:
        label = "platform" if len(spec.platforms) == 1 else "platforms"
        notes.append(f"{label} {', '.join(spec.platforms)}")
    return "; ".join(notes) or None


def _shortest_paths(direct: list[str], edges: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return shortest_paths(direct, lambda name: edges.get(name, ()), str)


def _groups(
    direct: list[str], edges: dict[str, list[str]], declared: dict[str, frozenset[str | None]]
) -> dict[str, str | None]:
    """Each gem's group: None (default) when any default gem needs it."""
    reached: dict[str, set[str | None]] = {}
    labels: dict[str | None, list[str]] = {}
    for name in direct:
        for label in declared.get(name) or {None}:
            labels.setdefault(label, []).append(name)
    # One walk per group label; a handful of groups at most.
    for label, starts in labels.items():
        queue = deque(starts)
        visited = set(starts)
        while queue:
            current = queue.popleft()
            reached.setdefault(current, set()).add(label)
            for need in edges.get(current, ()):
                if need not in visited:
                    visited.add(need)
                    queue.append(need)
    return {name: _pick(found) for name, found in reached.items()}


def _pick(labels: set[str | None]) -> str | None:
    if None in labels:
        return None
    named = sorted(label for label in labels if label is not None)
    for preferred in ("dev", "test"):
        if preferred in named:
            return preferred
    return named[0] if named else None


_GEMSPEC = re.compile(r"^[ \t]*gemspec\b", re.MULTILINE)
_GROUP = re.compile(r"group\b")
_OPENS_BLOCK = re.compile(r"(?:if|unless|case|while|until|begin)\b")
_GEM = re.compile(r"gem[ \t(]*[\"'](?P<name>[^\"']+)[\"'](?P<rest>.*)")
_INLINE_GROUPS = re.compile(
    r"(?:\bgroups?:|:groups?\s*=>)\s*(?P<names>\[[^\]]*\]|:\w+|[\"']\w+[\"'])"
)
_SYMBOL = re.compile(r":(\w+)|[\"'](\w+)[\"']")


def _gemfile_groups(text: str) -> dict[str, frozenset[str | None]]:
    """Gem name -> its groups (None for the default group) from a Gemfile, by a line scan."""
    found: dict[str, set[str]] = {}
    stack: list[frozenset[str] | None] = []
    for raw in text.split("\n"):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        head = _do_block_head(line)
        if head is not None and _GROUP.match(head):
            stack.append(_names(head[len("group") :]))
            continue
        if line == "end" or line.startswith(("end ", "end.", "end)")):
            if stack:
                stack.pop()
            continue
        gem = _GEM.match(line)
        if gem is not None:
            groups: set[str] = set()
            for entry in stack:
                groups |= entry or set()
            inline = _INLINE_GROUPS.search(gem["rest"])
            if inline is not None:
                groups |= _names(inline["names"])
            found.setdefault(gem["name"], set()).update(groups or {"default"})
            continue
        if head is not None or _OPENS_BLOCK.match(line):
            stack.append(None)
    return {
        name: frozenset(None if g == "default" else _GROUP_NAMES.get(g, g) for g in groups)
        for name, groups in found.items()
    }


def _do_block_head(line: str) -> str | None:
    """The text before a trailing ``do`` (or ``do |x|``), or None when no block opens.

    Plain string operations: a regular expression for this backtracks quadratically on
    long runs of spaces, and the Gemfile is not under this extractor's control.
    """
    if line.endswith("|"):
        opening = line.rfind("|", 0, len(line) - 1)
        if opening == -1:
            return None
        line = line[:opening].rstrip()
    if line == "do" or line.endswith((" do", "\tdo", ")do")):
        return line[:-2]
    return None


def _names(text: str) -> frozenset[str]:
    return frozenset(a or b for a, b in _SYMBOL.findall(text))

"""Elixir ``mix.lock``: an Elixir map literal, read by a small tokenizer (never evaluated).

Mix writes one entry per line, keyed by the dependency's application name::

    %{
      "plug": {:hex, :plug, "1.15.3", "inner-hash", [:mix], [
        {:mime, "~> 1.0 or ~> 2.0", [hex: :mime, repo: "hexpm", optional: false]}
      ], "hexpm", "outer-hash"},
      "fork": {:git, "https://github.com/acme/fork.git", "0a1b2c…", [branch: "main"]},
    }

Older Mix wrote shorter ``:hex`` tuples (no repository or outer hash, or only name,
version and hash); only the first three elements are needed. The package is reported
under its Hex name (the second element), which differs from the key when the project
renamed it (``{:alias, hex: :real_name}``). Git entries carry no version.

Direct dependencies are the ``{:name, ...}`` tuples of ``deps`` in the neighbouring
``mix.exs`` when it can be found by a plain text scan (their ``only:`` gives the group:
"dev", "test"); otherwise every entry no other entry depends on counts as direct.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._graph import shortest_paths
from bastion.sca.extractors.base import ExtractInput, ExtractionError

# Deeper than any lockfile; keeps the recursive parser far from Python's limit.
_MAX_DEPTH = 64
_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\n]+|\#[^\n]*)
    |(?P<string>"(?:[^"\\]|\\.)*")(?P<colon>:(?=[ \t\r\n]))?
    |(?P<atom>:(?:[A-Za-z_][A-Za-z0-9_@]*[?!]?|"(?:[^"\\]|\\.)*"))
    |(?P<keyword>[A-Za-z_][A-Za-z0-9_@]*[?!]?):(?=[ \t\r\n])
    |(?P<word>[A-Za-z_][A-Za-z0-9_@]*[?!]?)
    |(?P<number>-?\d[\d_]*(?:\.\d+)?)
    |(?P<punct>%\{|=>|[{}\[\],])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class _Atom:
    name: str


@dataclass(frozen=True, slots=True)
class _Tuple:
    items: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class _Keyword:
    key: str
    value: object


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    name: str
    version: str | None
    needs: tuple[str, ...]
    note: str | None
    line: int


class MixLockExtractor:
    name: ClassVar[str] = "erlang/mixlock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "mix.lock"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        if not text.strip():
            return []
        pairs = _Parser(_tokens(text)).lockfile()
        entries = [_entry(key, value, line) for key, value, line in pairs]
        keys = {entry.key for entry in entries}
        edges = {entry.key: [n for n in entry.needs if n in keys] for entry in entries}

        manifest = source.sibling("mix.exs")
        declared = _mix_deps(manifest.decode("utf-8", "replace")) if manifest else None
        if declared is not None:
            direct = [key for key in declared if key in keys]
            labels: dict[str, str | None] = {key: declared[key] for key in direct}
        else:
            needed = {need for needs in edges.values() for need in needs}
            direct = [entry.key for entry in entries if entry.key not in needed]
            labels = dict.fromkeys(direct)
        paths = _shortest_paths(direct, edges)
        groups = _groups(labels, edges)

        names = {entry.key: entry.name for entry in entries}
        where = str(source.path)
        return [
            Dependency(
                name=entry.name,
                version=entry.version,
                ecosystem=Ecosystem.HEX,
                direct=entry.key in labels,
                source=where,
                line=entry.line,
                extractor=self.name,
                group=groups.get(entry.key),
                path=tuple(names[key] for key in paths.get(entry.key, ())),
                note=entry.note,
            )
            for entry in entries
        ]


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    line = 1
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExtractionError(f"unexpected character {text[position]!r}", line)
        kind = match.lastgroup or ""
        if kind == "colon":  # a quoted keyword key: "plug": ...
            tokens.append(_Token("keyword", _unescape(match["string"][1:-1]), line))
        elif kind == "string":
            tokens.append(_Token("string", _unescape(match["string"][1:-1]), line))
        elif kind == "atom":
            body = match["atom"][1:]
            tokens.append(_Token("atom", _unescape(body[1:-1]) if body[:1] == '"' else body, line))
        elif kind == "keyword":
            tokens.append(_Token("keyword", match["keyword"], line))
        elif kind != "space":
            tokens.append(_Token(kind, match.group(0), line))
        line += match.group(0).count("\n")
        position = match.end()
    return tokens


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def lockfile(self) -> list[tuple[str, object, int]]:
        """The top-level map as (key, value, line of the key)."""
        opening = self._next()
        if opening.text != "%{" or opening.kind != "punct":
            raise ExtractionError("not a mix.lock: expected a map '%{'", opening.line)
        pairs = self._pairs(0)
        if self.position != len(self.tokens):
            raise ExtractionError("unexpected text after the map", self.tokens[self.position].line)
        return pairs

    def _pairs(self, depth: int) -> list[tuple[str, object, int]]:
        pairs: list[tuple[str, object, int]] = []
        while not self._closing("}"):
            key = self._next()
            if key.kind == "keyword":
                value = self._value(depth + 1)
            elif key.kind == "string":
                arrow = self._next()
                if arrow.text != "=>":
                    raise ExtractionError(f"expected '=>' after {key.text!r}", arrow.line)
                value = self._value(depth + 1)
            else:
                raise ExtractionError(f"unexpected {key.text!r} as a map key", key.line)
            pairs.append((key.text, value, key.line))
            self._separator("}")
        return pairs

    def _value(self, depth: int) -> object:
        if depth > _MAX_DEPTH:
            raise ExtractionError("nested too deeply", self._peek().line)
        token = self._next()
        if token.kind == "string":
            return token.text
        if token.kind == "atom":
            return _Atom(token.text)
        if token.kind == "number":
            return token.text
        if token.kind == "word" and token.text in ("true", "false", "nil"):
            return _Atom(token.text)
        if token.text == "%{" and token.kind == "punct":
            return {key: value for key, value, _ in self._pairs(depth)}
        if token.text == "{" and token.kind == "punct":
            items: list[object] = []
            while not self._closing("}"):
                items.append(self._value(depth + 1))
                self._separator("}")
            return _Tuple(tuple(items))
        if token.text == "[" and token.kind == "punct":
            elements: list[object] = []
            while not self._closing("]"):
                if self._peek().kind == "keyword":
                    key = self._next().text
                    elements.append(_Keyword(key, self._value(depth + 1)))
                else:
                    elements.append(self._value(depth + 1))
                self._separator("]")
            return elements
        raise ExtractionError(f"unexpected {token.text!r}", token.line)

    def _peek(self) -> _Token:
        if self.position >= len(self.tokens):
            line = self.tokens[-1].line if self.tokens else 1
            raise ExtractionError("unexpected end of file (truncated?)", line)
        return self.tokens[self.position]

    def _next(self) -> _Token:
        token = self._peek()
        self.position += 1
        return token

    def _closing(self, bracket: str) -> bool:
        token = self._peek()
        if token.kind == "punct" and token.text == bracket:
            self.position += 1
            return True
        return False

    def _separator(self, bracket: str) -> None:
        token = self._peek()
        if token.kind == "punct" and token.text == ",":
            self.position += 1
        elif not (token.kind == "punct" and token.text == bracket):
            raise ExtractionError(f"expected ',' or '{bracket}', got {token.text!r}", token.line)


def _entry(key: str, value: object, line: int) -> _Entry:
    if not isinstance(value, _Tuple) or not value.items or not isinstance(value.items[0], _Atom):
        raise ExtractionError(f"entry {key} should be a tuple starting with its SCM", line)
    scm, items = value.items[0].name, value.items
    if scm == "hex":
        if len(items) < 3 or not isinstance(items[1], _Atom) or not isinstance(items[2], str):
            raise ExtractionError(f'entry {key} should read {{:hex, :name, "version", ...}}', line)
        repository = items[6] if len(items) > 6 and isinstance(items[6], str) else "hexpm"
        note = None
        if repository.startswith("hexpm:"):
            note = f"from the Hex organisation {repository.removeprefix('hexpm:')}"
        elif repository != "hexpm":
            note = f"from the Hex repository {repository}"
        needs = _needs(items[5]) if len(items) > 5 else ()
        return _Entry(key, items[1].name, items[2], needs, note, line)
    if scm == "git":
        url = items[1] if len(items) > 1 and isinstance(items[1], str) else "?"
        revision = items[2] if len(items) > 2 and isinstance(items[2], str) else "?"
        note = f"from git {url}@{revision}"
        options = items[3] if len(items) > 3 and isinstance(items[3], list) else []
        for option in options:
            if (
                isinstance(option, _Keyword)
                and option.key in ("branch", "tag", "ref")
                and isinstance(option.value, str)
            ):
                note += f" ({option.key} {option.value})"
        return _Entry(key, key, None, (), f"{note}, no version", line)
    return _Entry(key, key, None, (), f"from a {scm} source, no version", line)


def _needs(raw: object) -> tuple[str, ...]:
    """Application names of a :hex entry's dependency list ``[{:app, req, opts}, ...]``."""
    if not isinstance(raw, list):
        return ()
    return tuple(
        item.items[0].name
        for item in raw
        if isinstance(item, _Tuple) and item.items and isinstance(item.items[0], _Atom)
    )


def _shortest_paths(direct: list[str], edges: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return shortest_paths(direct, lambda name: edges.get(name, ()), str)


def _groups(labels: dict[str, str | None], edges: dict[str, list[str]]) -> dict[str, str | None]:
    """A package needed by any default-group dependency is in the default group (None)."""
    by_label: dict[str | None, list[str]] = {}
    for key, label in labels.items():
        by_label.setdefault(label, []).append(key)
    reached: dict[str, set[str | None]] = {}
    for label, starts in by_label.items():
        queue, visited = deque(starts), set(starts)
        while queue:
            current = queue.popleft()
            reached.setdefault(current, set()).add(label)
            for need in edges.get(current, ()):
                if need not in visited:
                    visited.add(need)
                    queue.append(need)
    return {
        key: None if None in found else sorted(g for g in found if g is not None)[0]
        for key, found in reached.items()
    }


_DEPS_FUNCTION = re.compile(
    r"^[ \t]*defp?[ \t]+deps(?:\(\))?[ \t]*(?:do\b|,[ \t]*do:)", re.MULTILINE
)
_TUPLE_NAME = re.compile(r"\{\s*:([A-Za-z_][A-Za-z0-9_]*)")
_ONLY = re.compile(r"\bonly:\s*(\[[^\]]*\]|:\w+)")


def _mix_deps(text: str) -> dict[str, str | None] | None:
    """Dependency name -> group from ``deps`` in mix.exs, or None when not found.

    Only the literal list right after ``def(p) deps do`` is read; umbrella projects
    (``apps_path:``) declare their dependencies in each app instead, so they get None.
    """
    if re.search(r"\bapps_path:", text):
        return None
    function = _DEPS_FUNCTION.search(text)
    if function is None:
        return None
    start = text.find("[", function.end())
    if start == -1:
        return None
    found: dict[str, str | None] = {}
    for tuple_text in _top_level_tuples(text, start):
        name = _TUPLE_NAME.match(tuple_text)
        if name is None:
            continue
        only = _ONLY.search(tuple_text)
        found[name[1]] = _only_group(re.findall(r":(\w+)", only[1])) if only else None
    return found


def _only_group(environments: list[str]) -> str | None:
    if not environments or "prod" in environments:
        return None
    if "dev" in environments:
        return "dev"
    return "test" if "test" in environments else environments[0]


def _top_level_tuples(text: str, start: int) -> list[str]:
    """The text of each ``{...}`` directly inside the list opening at ``start``."""
    tuples: list[str] = []
    depth = 0
    tuple_start = -1
    position = start
    while position < len(text):
        char = text[position]
        if char == '"':
            end = position + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            position = end + 1
            continue
        if char == "#":
            newline = text.find("\n", position)
            position = len(text) if newline == -1 else newline
            continue
        if char in "[{(":
            depth += 1
            if depth == 2 and char == "{":
                tuple_start = position
        elif char in "]})":
            depth -= 1
            if depth == 1 and char == "}" and tuple_start >= 0:
                tuples.append(text[tuple_start : position + 1])
                tuple_start = -1
            if depth == 0:
                break
        position += 1
    return tuples

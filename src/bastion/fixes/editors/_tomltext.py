"""Editing string values in TOML text without rewriting the file.

No TOML library that keeps formatting is installed (tomlkit is not a dependency), and
``tomllib`` only reads. So the text is lexed just far enough to know, for every
one-line string literal, where it sits in the document (its path: tables, dotted keys,
inline tables and array positions) and its span; an edit replaces a literal's content
and leaves every other byte alone. Multi-line strings and strings with escapes are
never edited.

The lexer runs only on text ``tomllib`` accepted, and every edit is checked by loading
the result with ``tomllib`` and comparing it with the document the caller meant
(:func:`apply`), so a lexing mistake can only refuse an edit, never write a wrong file.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from bastion.fixes.editors.base import EditError

Path = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = re.compile(r"[,\]}\n#]")
# What a one-line string cannot hold as it is: control characters, and per quote style
# its own quote (and, in basic strings, the escape character).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORBIDDEN = {'"': '"\\', "'": "'"}


@dataclass(frozen=True, slots=True)
class TomlString:
    path: Path
    value: str
    start: int  # of the opening quote
    end: int  # after the closing quote
    quote: str


def load(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        raise EditError(f"invalid TOML: {exc}") from exc


def strings(text: str) -> list[TomlString]:
    """Every editable string literal of a document ``tomllib`` accepts, in file order."""
    return _Lexer(text).run()


def apply(text: str, edits: dict[TomlString, str]) -> str:
    """``text`` with each literal's content replaced; checked with ``tomllib``."""
    expected = copy.deepcopy(load(text))
    pieces: list[str] = []
    position = 0
    for literal in sorted(edits, key=lambda s: s.start):
        value = edits[literal]
        if _CONTROL.search(value) or any(c in value for c in _FORBIDDEN[literal.quote]):
            raise EditError(f"{value!r} cannot be written into a TOML string as it is")
        pieces.extend((text[position : literal.start], literal.quote + value + literal.quote))
        position = literal.end
        _set(expected, literal.path, value)
    pieces.append(text[position:])
    edited = "".join(pieces)
    if load(edited) != expected:
        raise EditError("the edit changed more of the TOML file than the intended strings")
    return edited


def _set(doc: Any, path: Path, value: str) -> None:
    try:
        for part in path[:-1]:
            doc = doc[part]
        doc[path[-1]] = value
    except (KeyError, IndexError, TypeError) as exc:
        raise EditError(f"no value at {path!r}") from exc


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.found: list[TomlString] = []
        # How many [[name]] tables each array of tables has had so far.
        self.array_tables: dict[tuple[str, ...], int] = {}

    def run(self) -> list[TomlString]:
        table: Path = ()
        at = 0
        while True:
            at = self._skip(at, newlines=True)
            if at >= len(self.text):
                return self.found
            if self.text[at] == "[":
                table, at = self._header(at)
                continue
            key, at = self._key(at)
            at = self._skip(at) + 1  # past "="
            at = self._value(self._skip(at), (*table, *key))

    def _skip(self, at: int, *, newlines: bool = False) -> int:
        """Past whitespace and comments (and newlines, when asked)."""
        text = self.text
        while at < len(text):
            char = text[at]
            if char in " \t\r" or (newlines and char == "\n"):
                at += 1
            elif char == "#":
                end = text.find("\n", at)
                at = len(text) if end < 0 else end
            else:
                break
        return at

    def _header(self, at: int) -> tuple[Path, int]:
        double = self.text.startswith("[[", at)
        key, at = self._key(self._skip(at + (2 if double else 1)))
        at = self._skip(at) + (2 if double else 1)
        if not double:
            return key, at
        names = tuple(str(part) for part in key)
        index = self.array_tables.get(names, -1) + 1
        self.array_tables[names] = index
        return (*key, index), at

    def _key(self, at: int) -> tuple[tuple[str, ...], int]:
        parts: list[str] = []
        while True:
            at = self._skip(at)
            char = self.text[at]
            if char == '"':
                end = self._basic_end(at)
                parts.append(json.loads(self.text[at:end]))
                at = end
            elif char == "'":
                end = self.text.index("'", at + 1) + 1
                parts.append(self.text[at + 1 : end - 1])
                at = end
            else:
                match = _BARE_KEY.match(self.text, at)
                if match is None:
                    raise EditError(f"unexpected {char!r} in a TOML key")
                parts.append(match.group())
                at = match.end()
            at = self._skip(at)
            if at < len(self.text) and self.text[at] == ".":
                at += 1
                continue
            return tuple(parts), at

    def _basic_end(self, at: int) -> int:
        """The index after the closing quote of the one-line basic string at ``at``."""
        position = at + 1
        while self.text[position] != '"':
            position += 2 if self.text[position] == "\\" else 1
        return position + 1

    def _value(self, at: int, path: Path) -> int:
        text = self.text
        if text.startswith(('"""', "'''"), at):
            quote = text[at : at + 3]
            end = at + 3
            while True:
                end = text.index(quote, end)
                if quote == '"""' and _escaped(text, end):
                    end += 1
                    continue
                break
            # Up to two quotes may close the content just before the delimiter.
            while text.startswith(quote[0], end + 3):
                end += 1
            return end + 3
        char = text[at]
        if char == '"':
            end = self._basic_end(at)
            raw = text[at + 1 : end - 1]
            if "\\" not in raw:
                self.found.append(TomlString(path, raw, at, end, '"'))
            return end
        if char == "'":
            end = text.index("'", at + 1) + 1
            self.found.append(TomlString(path, text[at + 1 : end - 1], at, end, "'"))
            return end
        if char == "[":
            return self._array(at, path)
        if char == "{":
            return self._inline_table(at, path)
        match = _SCALAR_END.search(text, at)
        return len(text) if match is None else match.start()

    def _array(self, at: int, path: Path) -> int:
        at += 1
        index = 0
        while True:
            at = self._skip(at, newlines=True)
            if self.text[at] == "]":
                return at + 1
            at = self._skip(self._value(at, (*path, index)), newlines=True)
            index += 1
            if self.text[at] == ",":
                at += 1

    def _inline_table(self, at: int, path: Path) -> int:
        at += 1
        while True:
            at = self._skip(at, newlines=True)
            if self.text[at] == "}":
                return at + 1
            key, at = self._key(at)
            at = self._skip(at) + 1  # past "="
            at = self._skip(self._value(self._skip(at), (*path, *key)), newlines=True)
            if self.text[at] == ",":
                at += 1


def _escaped(text: str, at: int) -> bool:
    """Whether the character at ``at`` follows an odd number of backslashes."""
    count = 0
    while at - count - 1 >= 0 and text[at - count - 1] == "\\":
        count += 1
    return count % 2 == 1

"""Editing JSON text in place: values keep their positions, the file its formatting.

``json.loads`` then ``json.dumps`` would reorder nothing but would re-indent the whole
file, re-escape strings and drop the final newline: a one-line fix would show as a
rewrite. Here the text is read once into a tree of spans, edits are splices of that
text, and everything between them is copied byte for byte. New members copy the
indentation and ``key: value`` spacing of their neighbours.

Callers check the result with :func:`check`: the edited text must load to exactly the
document they meant, or nothing is written.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from bastion.fixes.editors.base import EditError

# Far beyond any package manifest; keeps a hostile file from exhausting the stack.
MAX_DEPTH = 64

_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _reject_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON (and npm) do not.
    raise ValueError(f"{name} is not JSON")


# Scalars (strings, numbers, literals) are read by the standard decoder, from an offset.
_SCALARS = json.JSONDecoder(parse_constant=_reject_constant)


@dataclass
class Node:
    """A value and where it sits: ``text[start:end]`` is the value as written."""

    start: int
    end: int
    depth: int
    value: Any = None  # the decoded value of a string, number or literal
    members: list[Member] | None = None  # an object's, in file order (duplicates kept)
    items: list[Node] | None = None

    def member(self, key: str) -> Member | None:
        """The member ``key`` of an object: the last one, as ``json.loads`` reads it."""
        found = [m for m in self.members or () if m.key == key]
        return found[-1] if found else None


@dataclass
class Member:
    key: str
    key_start: int
    key_end: int
    value: Node


def parse(text: str) -> Node:
    """The span tree of a JSON document. Raises :class:`EditError`."""
    try:
        json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise EditError(f"invalid JSON: {exc}") from exc
    reader = _Reader(text)
    return reader.value(reader.skip(0), 0)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, at: int) -> int:
        match = _WHITESPACE.match(self.text, at)
        assert match is not None  # the pattern matches the empty string
        return match.end()

    def value(self, at: int, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise EditError(f"JSON nested deeper than {MAX_DEPTH} levels")
        char = self.text[at]
        if char == "{":
            return self.object(at, depth)
        if char == "[":
            return self.array(at, depth)
        value, end = _SCALARS.raw_decode(self.text, at)
        return Node(at, end, depth, value)

    def object(self, at: int, depth: int) -> Node:
        node = Node(at, at, depth, members=[])
        position = self.skip(at + 1)
        while self.text[position] != "}":
            key, key_end = _SCALARS.raw_decode(self.text, position)
            colon = self.skip(key_end)
            value = self.value(self.skip(colon + 1), depth + 1)
            assert node.members is not None
            node.members.append(Member(key, position, key_end, value))
            position = self.skip(value.end)
            if self.text[position] == ",":
                position = self.skip(position + 1)
        node.end = position + 1
        return node

    def array(self, at: int, depth: int) -> Node:
        node = Node(at, at, depth, items=[])
        position = self.skip(at + 1)
        while self.text[position] != "]":
            item = self.value(position, depth + 1)
            assert node.items is not None
            node.items.append(item)
            position = self.skip(item.end)
            if self.text[position] == ",":
                position = self.skip(position + 1)
        node.end = position + 1
        return node


@dataclass
class Style:
    """How the document is laid out: its indentation unit and line ending, or compact."""

    indent: str
    newline: str
    compact: bool

    @classmethod
    def of(cls, text: str, root: Node) -> Style:
        newline = "\r\n" if "\r\n" in text else "\n"
        if not root.members:
            return cls("  ", newline, compact="\n" not in text.strip())
        first = root.members[0]
        gap = text[root.start + 1 : first.key_start]
        if "\n" not in gap:
            return cls("", newline, compact=True)
        return cls(gap.rsplit("\n", 1)[1] or "  ", newline, compact=False)


@dataclass
class Splices:
    """Edits of one text, applied together so that spans stay valid while they are made."""

    text: str
    style: Style
    _edits: list[tuple[int, int, str]] = field(default_factory=list)

    def replace(self, node: Node, value: Any) -> None:
        self._edits.append((node.start, node.end, _dumps(value)))

    def add_members(self, obj: Node, members: list[tuple[str, Any]]) -> None:
        """Append ``members`` to the object ``obj``, laid out like its existing ones."""
        if not members:
            return
        existing = obj.members or []
        if existing:
            last = existing[-1]
            # The whitespace before the last key and its "key: value" separator.
            before_key = self.text[self._member_start(obj, last) : last.key_start]
            separator = self.text[last.key_end : last.value.start]
            added = "".join(
                f",{before_key}{_dumps(key)}{separator}{self._format(value, obj.depth + 1)}"
                for key, value in members
            )
            self._edits.append((last.value.end, last.value.end, added))
            return
        self._edits.append((obj.start, obj.end, self._format(dict(members), obj.depth)))

    def _member_start(self, obj: Node, member: Member) -> int:
        """Where the whitespace before ``member``'s key begins (after ``{`` or ``,``)."""
        position = member.key_start
        while position > obj.start + 1 and self.text[position - 1] in " \t\r\n":
            position -= 1
        return position

    def _format(self, value: Any, depth: int) -> str:
        """``value`` written at ``depth`` in the document's style."""
        if not isinstance(value, dict) or not value:
            return _dumps(value)
        if self.style.compact:
            return (
                "{"
                + ",".join(f"{_dumps(k)}:{self._format(v, depth)}" for k, v in value.items())
                + "}"
            )
        inner = self.style.newline + self.style.indent * (depth + 1)
        body = ("," + inner).join(
            f"{_dumps(k)}: {self._format(v, depth + 1)}" for k, v in value.items()
        )
        return "{" + inner + body + self.style.newline + self.style.indent * depth + "}"

    def apply(self) -> str:
        ordered = sorted(self._edits, key=lambda edit: (edit[0], edit[1]))
        for (_, end, _), (start, _, _) in itertools.pairwise(ordered):
            if start < end:
                raise EditError("overlapping JSON edits")
        pieces: list[str] = []
        position = 0
        for start, end, replacement in ordered:
            pieces.append(self.text[position:start])
            pieces.append(replacement)
            position = end
        pieces.append(self.text[position:])
        return "".join(pieces)


def check(edited: str, expected: Any) -> None:
    """Raise :class:`EditError` unless ``edited`` loads to ``expected``."""
    try:
        loaded = json.loads(edited)
    except ValueError as exc:
        raise EditError(f"the edit broke the JSON: {exc}") from exc
    if loaded != expected:
        raise EditError("the edit changed more than the intended versions")


def _dumps(value: Any) -> str:
    # npm and Composer write UTF-8 without escaping it; so does this.
    return json.dumps(value, ensure_ascii=False)

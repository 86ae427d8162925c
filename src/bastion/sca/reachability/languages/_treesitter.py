"""Shared tree-sitter plumbing: one parser and compiled query per grammar per process.

Queries run in C and hand back only the nodes that can be imports, which keeps Python's
per-node cost off the hot path: a whole-tree walk in Python is several times slower.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cache

from tree_sitter import Node, Parser, Query, QueryCursor
from tree_sitter_language_pack import SupportedLanguage, get_language, get_parser


@cache
def _parser(grammar: SupportedLanguage) -> Parser:
    return get_parser(grammar)


@cache
def compile_query(grammar: SupportedLanguage, source: str) -> Query:
    return Query(get_language(grammar), source)


def parse(grammar: SupportedLanguage, source: bytes) -> Node:
    return _parser(grammar).parse(source).root_node


def captures(query: Query, node: Node) -> dict[str, list[Node]]:
    return QueryCursor(query).captures(node)


def matches(query: Query, node: Node) -> list[tuple[int, dict[str, list[Node]]]]:
    return QueryCursor(query).matches(node)


def text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def line(node: Node) -> int:
    return node.start_point.row + 1


# Node types that interrupt a string literal's plain text: `${x}` in a JavaScript
# template, `#{x}` in Ruby. A string with one of them is computed, not a literal.
_COMPUTED = frozenset({"template_substitution", "interpolation", "string_interpolation"})
_FRAGMENTS = frozenset(
    {
        "string_fragment",
        "string_content",
        "interpreted_string_literal_content",
        "raw_string_literal_content",
    }
)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}


def literal(node: Node) -> str | None:
    """The value of a string literal node, or None when part of it is computed.

    Escapes are decoded only where a module name could plausibly use them (a quote or a
    backslash); anything else keeps its spelling, which no package name contains.
    """
    parts: list[str] = []
    for child in node.children:
        kind = child.type
        if kind in _COMPUTED:
            return None
        if kind in _FRAGMENTS:
            parts.append(text(child))
        elif kind == "escape_sequence":
            escaped = text(child)[1:]
            parts.append(_SIMPLE_ESCAPES.get(escaped, escaped))
    return "".join(parts)


_NAME_TYPES = frozenset(
    {"identifier", "type_identifier", "simple_identifier", "field_identifier", "name"}
)


def dotted_chain(head: Node, chain_types: frozenset[str]) -> list[str]:
    """The dotted name that starts at ``head``: from `org` in `org.apache.commons.io.X.y()`
    up through every enclosing member access whose left side is the chain so far."""
    names = [text(head)]
    node = head
    parent = node.parent
    while parent is not None and parent.type in chain_types:
        named = parent.named_children
        if not named or named[0].id != node.id:
            break
        right = named[-1]
        if right.type == "navigation_suffix":  # Kotlin wraps `.name`
            right = right.named_children[-1] if right.named_children else right
        if right.type not in _NAME_TYPES:
            break
        names.append(text(right))
        node = parent
        parent = node.parent
    return names


class Spans:
    """Byte ranges of nodes to leave out (import declarations already read, a package
    header), for a membership test that stays cheap in files with many of them."""

    def __init__(self, nodes: list[Node] | tuple[Node, ...] = ()) -> None:
        self._spans = sorted((node.start_byte, node.end_byte) for node in nodes)
        self._starts = [start for start, _ in self._spans]

    def add(self, node: Node) -> None:
        index = bisect_right(self._starts, node.start_byte)
        self._spans.insert(index, (node.start_byte, node.end_byte))
        self._starts.insert(index, node.start_byte)

    def __contains__(self, node: Node) -> bool:
        index = bisect_right(self._starts, node.start_byte) - 1
        # Spans come from declarations, which never overlap, so the nearest start decides.
        return index >= 0 and node.start_byte < self._spans[index][1]

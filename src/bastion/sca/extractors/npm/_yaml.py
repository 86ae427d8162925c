"""YAML for lockfiles: safe loading with a nesting limit, and key lines.

libyaml composes nested nodes recursively in C: a few tens of thousands of nesting
levels (``- - - - …`` or ``[[[[…]]]]``) overflow the C stack and kill the process, which
no ``except`` can catch. An upper bound on the nesting is computed from the text first,
in linear time, and anything deeper than any real lockfile is refused before parsing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml

from bastion.sca.extractors.base import ExtractionError

_Loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)
# Lockfiles nest five or six levels; this leaves room and stays far from the crash.
MAX_DEPTH = 256
# YAML's line breaks; str.splitlines knows more, which would split one YAML line in two.
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def nesting_bound(text: str) -> int:
    """An upper bound on how deeply the YAML in ``text`` can nest collections.

    A block collection is nested deeper only by indenting further or by an indicator on
    the same line (``- ``, ``? ``, ``: ``); a flow collection only by an open bracket.
    Brackets inside quoted strings are counted too, which can only raise the bound.
    """
    deepest_block = 0
    deepest_flow = 0
    flow = 0
    tabs = "\t" in text
    for line in _BREAK.split(text):
        content = line.lstrip(" ")
        block = len(line) - len(content) + 2
        block += content.count("- ") + content.count("? ") + content.count(": ")
        if tabs:
            block += content.count("-\t") + content.count("?\t") + content.count(":\t")
        deepest_block = max(deepest_block, block)
        if flow or "[" in content or "{" in content:
            opened = content.count("[") + content.count("{")
            deepest_flow = max(deepest_flow, flow + opened)
            flow = max(0, flow + opened - content.count("]") - content.count("}"))
    return deepest_block + deepest_flow


def load_all(text: str) -> list[tuple[object, yaml.Node]]:
    """Every document of ``text`` as (data, node); the node keeps line numbers."""
    if nesting_bound(text) > MAX_DEPTH:
        raise ExtractionError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep")
    documents: list[tuple[object, yaml.Node]] = []
    try:
        loader = _Loader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is not None:
                    documents.append((loader.construct_document(node), node))
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "unreadable"
        raise ExtractionError(
            f"invalid YAML: {reason}", mark.line + 1 if mark is not None else None
        ) from exc
    except yaml.YAMLError as exc:
        raise ExtractionError(f"invalid YAML: {exc}") from exc
    except RecursionError as exc:
        raise ExtractionError("invalid YAML: nested too deeply") from exc
    except MemoryError as exc:
        raise ExtractionError("invalid YAML: too large to load") from exc
    return documents


def child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node under ``key`` of a mapping node (the last one, as loading does)."""
    found: yaml.Node | None = None
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                found = value_node
    return found


def key_lines(node: yaml.Node | None, *path: str) -> dict[str, int]:
    """1-based line of every key of the mapping found by following ``path`` from ``node``."""
    for key in path:
        node = child(node, key)
    return dict(_scalar_keys(node))


def _scalar_keys(node: yaml.Node | None) -> Iterator[tuple[str, int]]:
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                yield str(key_node.value), key_node.start_mark.line + 1

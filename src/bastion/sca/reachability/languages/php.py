"""PHP: `use A\\B;`, `use A\\B as C;`, `use function …`/`use const …`, group use
`use A\\{B, C\\D};`, and qualified class names written in code (`new \\GuzzleHttp\\Client`).

A name without a leading backslash in code is relative to the file's namespace, so it is
recorded only in files that declare none (where it is global, hence fully qualified).
"""

from __future__ import annotations

from typing import ClassVar

from tree_sitter import Node

from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.languages._treesitter import (
    captures,
    compile_query,
    line,
    parse,
    text,
)

_QUERY = """
(namespace_use_declaration) @use
(namespace_definition) @namespace
(qualified_name) @name
"""


def _name(node: Node) -> str:
    return "".join(text(node).split()).lstrip("\\")


def _use_names(declaration: Node) -> list[str]:
    prefix = ""
    names: list[str] = []
    for child in declaration.named_children:
        if child.type == "namespace_name":
            prefix = _name(child)  # group use: `use A\{…}`
        elif child.type == "namespace_use_clause":
            names.append(_clause(child, ""))
        elif child.type == "namespace_use_group":
            names += [
                _clause(clause, prefix)
                for clause in child.named_children
                if clause.type == "namespace_use_clause"
            ]
    return [name for name in names if name]


def _clause(clause: Node, prefix: str) -> str:
    for child in clause.named_children:
        if child.type in ("qualified_name", "name", "namespace_name"):
            name = _name(child)
            return f"{prefix}\\{name}" if prefix else name
    return ""


class PhpReader:
    language: ClassVar[Language] = Language.PHP
    suffixes: ClassVar[frozenset[str]] = frozenset({".php", ".phtml", ".php5", ".php7"})

    def imports(self, source: bytes) -> list[ImportRef]:
        if b"\\" not in source:
            return []  # every import or qualified name has a backslash
        found = captures(compile_query("php", _QUERY), parse("php", source))
        refs: list[ImportRef] = []
        uses = found.get("use", ())
        for declaration in uses:
            refs += [ImportRef(name, line(declaration)) for name in _use_names(declaration)]
        has_namespace = any(
            child.type == "namespace_name"
            for node in found.get("namespace", ())
            for child in node.named_children
        )
        seen: set[tuple[str, int]] = set()
        for node in found.get("name", ()):
            if _within(node, ("namespace_use_declaration", "namespace_definition")):
                continue
            absolute = text(node).lstrip().startswith("\\")
            name = _name(node)
            if "\\" not in name or (has_namespace and not absolute):
                continue
            key = (name, line(node))
            if key not in seen:
                seen.add(key)
                refs.append(ImportRef(*key))
        refs.sort(key=lambda ref: ref.line)
        return refs


def _within(node: Node, kinds: tuple[str, ...]) -> bool:
    parent = node.parent
    for _ in range(4):  # use clauses and namespace names sit at most a few levels down
        if parent is None:
            return False
        if parent.type in kinds:
            return True
        parent = parent.parent
    return False

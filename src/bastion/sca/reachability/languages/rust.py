"""Rust: which crates a file names.

Counted: `use a::b`, `use a::{…}`, `use ::a::b`, `extern crate a` (with or without
`#[macro_use]` and `as`), and paths written out in code, types and attributes
(`serde_json::json!(…)`, `#[tokio::main]`, `x: chrono::DateTime<…>`, also inside macro
arguments). The first segment names the crate, unless it is `crate`/`self`/`super`, the
standard library (`std`, `core`, `alloc`), a module declared in the file (`mod net;`), or
a name the file itself brought into scope (`use tokio::time;` makes `time::sleep` tokio's,
not the `time` crate's).
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from tree_sitter import Node

from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.languages._treesitter import (
    Spans,
    captures,
    compile_query,
    line,
    matches,
    parse,
    text,
)

_ITEMS = """
(use_declaration argument: (_) @use)
(extern_crate_declaration name: (identifier) @crate alias: (identifier)? @alias) @extern
(mod_item name: (identifier) @module)
"""
_PATHS = """
(scoped_identifier path: (identifier) @head)
(scoped_type_identifier path: (identifier) @head)
(token_tree (identifier) @macro_head . "::")
"""
NOT_CRATES = frozenset(
    {"crate", "self", "super", "Self", "std", "core", "alloc", "proc_macro"}
    # Primitive types have associated items too: `u8::MAX`, `str::from_utf8`.
    | {"bool", "char", "str", "f32", "f64", "usize", "isize"}
    | {f"{sign}{bits}" for sign in "iu" for bits in (8, 16, 32, 64, 128)}
)
_PATH_ENDS = frozenset({"identifier", ">", "self", "super", "crate", "Self"})


def _leftmost(node: Node | None) -> str | None:
    while node is not None:
        if node.type == "scoped_identifier":
            path = node.child_by_field_name("path")
            if path is None:  # `::a::b`: an absolute path whose first segment is a crate
                return text(node.child_by_field_name("name"))
            node = path
        elif node.type in ("identifier", "crate", "self", "super"):
            return text(node)
        else:
            return None
    return None


def _use_tree(root: Node) -> tuple[list[tuple[str, Node]], set[str]]:
    """(crate heads with the node that names them, names the declaration binds)."""
    heads: list[tuple[str, Node]] = []
    bound: set[str] = set()
    pending: list[tuple[Node, str | None]] = [(root, None)]
    while pending:
        node, head = pending.pop()
        kind = node.type
        if kind == "use_list":
            pending.extend((child, head) for child in node.named_children)
            continue
        if kind == "scoped_use_list":
            path = node.child_by_field_name("path")
            if head is None:
                if path is None:
                    # `use ::{a, b}`: every item is a crate of its own.
                    target = node.child_by_field_name("list")
                    if target is not None:
                        pending.extend((child, None) for child in target.named_children)
                    continue
                head = _leftmost(path)
                if head is not None:
                    heads.append((head, node))
            target = node.child_by_field_name("list")
            if target is not None:
                pending.extend((child, head or "") for child in target.named_children)
            continue
        path_node = node
        if kind == "use_as_clause":
            path_node = node.child_by_field_name("path") or node
            bound.add(text(node.child_by_field_name("alias")))
        elif kind == "use_wildcard":
            path_node = node.named_children[0] if node.named_children else node
        elif kind == "scoped_identifier":
            bound.add(text(node.child_by_field_name("name")))
        elif kind == "identifier":
            bound.add(text(node))
        elif kind == "self" and head:
            bound.add(head)
        if head is None:
            first = _leftmost(path_node)
            if first is not None:
                heads.append((first, node))
    return heads, bound


def _macro_head(node: Node) -> bool:
    """`a::b` inside a macro's tokens: `a` starts a path unless `::` comes before it with a
    path segment before that (`x::a::b`)."""
    before = node.prev_sibling
    if before is None or before.type != "::":
        return True
    earlier = before.prev_sibling
    return earlier is None or earlier.type not in _PATH_ENDS


class RustReader:
    language: ClassVar[Language] = Language.RUST
    suffixes: ClassVar[frozenset[str]] = frozenset({".rs"})

    def imports(self, source: bytes) -> list[ImportRef]:
        if b"::" not in source and b"extern" not in source:
            return []
        root = parse("rust", source)
        refs: list[ImportRef] = []
        modules: set[str] = set()
        bound: set[str] = set()
        renamed: dict[str, str] = {}
        declarations: list[tuple[list[tuple[str, Node]], set[str]]] = []
        uses = Spans()
        for _, match in matches(compile_query("rust", _ITEMS), root):
            if "use" in match:
                declaration = match["use"][0]
                heads, names = _use_tree(declaration)
                declarations.append((heads, names))
                bound |= names
                uses.add(declaration)
            elif "module" in match:
                modules.add(text(match["module"][0]))
            else:
                crate = text(match["crate"][0])
                if crate in NOT_CRATES:
                    continue
                refs.append(ImportRef(crate, line(match["extern"][0])))
                alias = match.get("alias")
                if alias:
                    renamed[text(alias[0])] = crate
        binders = Counter(name for _, names in declarations for name in names)
        for heads, names in declarations:
            for head, node in heads:
                # A head another `use` binds is that item, not a crate (`use tokio::time;`
                # then `use time::Duration;`). `use serde;` binds serde and names the
                # crate, so a declaration's own bindings do not count against it.
                elsewhere = binders[head] - (head in names)
                if head in renamed:
                    refs.append(ImportRef(renamed[head], line(node)))
                elif head not in NOT_CRATES and head not in modules and not elsewhere:
                    refs.append(ImportRef(head, line(node)))

        local = NOT_CRATES | modules | bound
        found = captures(compile_query("rust", _PATHS), root)
        seen: set[tuple[str, int]] = set()
        candidates = [node for node in found.get("head", ()) if node not in uses]
        candidates += [node for node in found.get("macro_head", ()) if _macro_head(node)]
        for node in candidates:
            head = text(node)
            if head in renamed:
                head = renamed[head]
            elif head in local or not head[:1].islower():
                # Types, traits and enum variants are capitalised; crate names are not.
                continue
            key = (head, line(node))
            if key not in seen:
                seen.add(key)
                refs.append(ImportRef(head, key[1]))
        refs.sort(key=lambda ref: ref.line)
        return refs

"""Java and Kotlin: `import a.b.C`, `import a.b.*`, static imports, `import a.b.C as D`, and
fully qualified names written in code (`new com.google.gson.Gson()`, `@org.junit.Test`).

A qualified name in code is recorded when it starts in lower case, as package names do,
and is either `package.Class` or three segments or more: `obj.field.x` passes too, but no
Maven group is spelt like a local variable, so the mapping ignores it.
"""

from __future__ import annotations

from typing import ClassVar

from tree_sitter import Node

from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.languages._treesitter import (
    Spans,
    captures,
    compile_query,
    dotted_chain,
    line,
    parse,
    text,
)

_JAVA = """
(import_declaration) @import
(package_declaration) @skip
(scoped_type_identifier . (type_identifier) @head)
(scoped_identifier scope: (identifier) @head)
(field_access object: (identifier) @head)
"""
_JAVA_CHAINS = frozenset({"scoped_type_identifier", "scoped_identifier", "field_access"})

_KOTLIN = """
(import_header (identifier) @import)
(package_header) @skip
(navigation_expression . (simple_identifier) @head . (navigation_suffix))
(user_type . (type_identifier) @head . "." )
"""
_KOTLIN_CHAINS = frozenset({"navigation_expression"})


def _qualified(names: list[str]) -> str | None:
    # `package.Class` (okhttp3.OkHttpClient) or `package.sub.…`: lower case first.
    if len(names) < 2 or not names[0][:1].islower():
        return None
    if len(names) == 2 and not names[1][:1].isupper():
        return None
    return ".".join(names)


def _java_import(declaration: Node) -> str | None:
    for child in declaration.named_children:
        if child.type in ("scoped_identifier", "identifier"):
            return "".join(text(child).split())
    return None


class JavaReader:
    language: ClassVar[Language] = Language.JAVA
    suffixes: ClassVar[frozenset[str]] = frozenset({".java"})

    def imports(self, source: bytes) -> list[ImportRef]:
        found = captures(compile_query("java", _JAVA), parse("java", source))
        refs: list[ImportRef] = []
        skipped = Spans(found.get("skip", []))
        for declaration in found.get("import", ()):
            skipped.add(declaration)
            name = _java_import(declaration)
            if name:
                refs.append(ImportRef(name, line(declaration)))
        refs += _code_names(found.get("head", []), _JAVA_CHAINS, skipped)
        refs.sort(key=lambda ref: ref.line)
        return refs


def _code_names(heads: list[Node], chains: frozenset[str], skipped: Spans) -> list[ImportRef]:
    refs: list[ImportRef] = []
    seen: set[tuple[str, int]] = set()
    for head in heads:
        if not text(head)[:1].islower() or head in skipped:
            continue
        parent = head.parent
        if parent is not None and parent.type == "user_type":
            # Kotlin's `a.b.C` in a type: the segments are siblings, not nested nodes.
            names = [
                text(child) for child in parent.named_children if child.type == "type_identifier"
            ]
        else:
            names = dotted_chain(head, chains)
        name = _qualified(names)
        if name is not None and (name, line(head)) not in seen:
            seen.add((name, line(head)))
            refs.append(ImportRef(name, line(head)))
    return refs


class KotlinReader:
    language: ClassVar[Language] = Language.KOTLIN
    suffixes: ClassVar[frozenset[str]] = frozenset({".kt", ".kts"})

    def imports(self, source: bytes) -> list[ImportRef]:
        found = captures(compile_query("kotlin", _KOTLIN), parse("kotlin", source))
        refs: list[ImportRef] = []
        skipped = Spans(found.get("skip", []))
        for node in found.get("import", ()):
            skipped.add(node.parent or node)
            name = "".join(text(node).split())
            if name:
                refs.append(ImportRef(name, line(node)))
        refs += _code_names(found.get("head", []), _KOTLIN_CHAINS, skipped)
        refs.sort(key=lambda ref: ref.line)
        return refs

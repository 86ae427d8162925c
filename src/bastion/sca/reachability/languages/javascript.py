"""JavaScript, TypeScript (+ TSX) and the `<script>` blocks of Vue and Svelte components.

Counted: ES imports of every shape (default, named, namespace, side-effect), `export … from`,
`require()` and dynamic `import()` of a literal (also `require('x')(…)` and destructuring,
which are the same call), TypeScript's `import x = require('y')`. `import type` /
`export type` and `typeof import('x')` are recorded as type-only: TypeScript erases them.
A require or import of a variable or a template with `${…}` is not a static dependency.
"""

from __future__ import annotations

from typing import ClassVar

from tree_sitter import Node
from tree_sitter_language_pack import SupportedLanguage

from bastion.sca.reachability.base import ImportKind, ImportRef, Language
from bastion.sca.reachability.languages._treesitter import (
    captures,
    compile_query,
    line,
    literal,
    matches,
    parse,
    text,
)

_COMMON = """
(import_statement source: (string) @static)
(export_statement source: (string) @static)
((call_expression
   function: (identifier) @_require
   arguments: (arguments . [(string) (template_string)] @call))
 (#eq? @_require "require"))
(call_expression function: (import) arguments: (arguments . [(string) (template_string)] @call))
"""
# `import x = require('y')` exists in TypeScript only; the JavaScript grammar rejects the
# pattern.
_TYPESCRIPT = _COMMON + "(import_require_clause (string) @static)\n"

# Ancestors that put a dynamic `import('x')` in a type position (`typeof import('x')`,
# `type T = import('x').Foo`), where TypeScript resolves it without loading anything.
_TYPE_CONTEXTS = frozenset(
    {
        "type_query",
        "type_annotation",
        "type_alias_declaration",
        "type_arguments",
        "interface_declaration",
        "abstract_class_declaration",
    }
)
_STATEMENTS = frozenset({"program", "statement_block", "expression_statement"})
# The fast path: a file without these words has no import the queries could find.
_MARKERS = (b"import", b"require", b"export")


def _is_type_only_statement(statement: Node | None) -> bool:
    if statement is None:
        return False
    for child in statement.children:
        # `export type * from 'x'` is newer than the grammar, which wraps `type` in ERROR.
        if child.type == "type" or (child.type == "ERROR" and text(child) == "type"):
            return True
    return False


def _in_type_position(node: Node) -> bool:
    parent = node.parent
    while parent is not None and parent.type not in _STATEMENTS:
        if parent.type in _TYPE_CONTEXTS:
            return True
        parent = parent.parent
    return False


def script_imports(
    grammar: SupportedLanguage, source: bytes, line_offset: int = 0
) -> list[ImportRef]:
    if not any(marker in source for marker in _MARKERS):
        return []
    query = compile_query(grammar, _COMMON if grammar == "javascript" else _TYPESCRIPT)
    found = captures(query, parse(grammar, source))
    refs: list[ImportRef] = []
    for node in found.get("static", ()):
        value = literal(node)
        if not value:
            continue
        statement = node.parent
        if statement is not None and statement.type == "import_require_clause":
            statement = statement.parent
        kind = ImportKind.TYPE_ONLY if _is_type_only_statement(statement) else ImportKind.RUNTIME
        refs.append(ImportRef(value, line(node) + line_offset, kind))
    for node in found.get("call", ()):
        value = literal(node)
        if not value:
            continue
        call = node.parent.parent if node.parent is not None else None
        kind = (
            ImportKind.TYPE_ONLY
            if call is not None and _in_type_position(call)
            else ImportKind.RUNTIME
        )
        refs.append(ImportRef(value, line(node) + line_offset, kind))
    refs.sort(key=lambda ref: ref.line)
    return refs


class JavaScriptReader:
    language: ClassVar[Language] = Language.JAVASCRIPT
    suffixes: ClassVar[frozenset[str]] = frozenset({".js", ".jsx", ".mjs", ".cjs"})

    def imports(self, source: bytes) -> list[ImportRef]:
        return script_imports("javascript", source)


class TypeScriptReader:
    language: ClassVar[Language] = Language.TYPESCRIPT
    suffixes: ClassVar[frozenset[str]] = frozenset({".ts", ".mts", ".cts"})

    def imports(self, source: bytes) -> list[ImportRef]:
        return script_imports("typescript", source)


class TsxReader:
    language: ClassVar[Language] = Language.TSX
    suffixes: ClassVar[frozenset[str]] = frozenset({".tsx"})

    def imports(self, source: bytes) -> list[ImportRef]:
        return script_imports("tsx", source)


_SCRIPT_BLOCKS = "(script_element (start_tag) @tag (raw_text) @body)"
_SCRIPT_LANG = (
    "(attribute (attribute_name) @name (quoted_attribute_value (attribute_value) @value))"
)


def _component_imports(grammar: SupportedLanguage, source: bytes) -> list[ImportRef]:
    if b"<script" not in source:
        return []
    root = parse(grammar, source)
    refs: list[ImportRef] = []
    for _, match in matches(compile_query(grammar, _SCRIPT_BLOCKS), root):
        tag, body = match["tag"][0], match["body"][0]
        script = source[body.start_byte : body.end_byte]
        refs.extend(script_imports(_script_grammar(grammar, tag), script, body.start_point.row))
    return refs


def _script_grammar(grammar: SupportedLanguage, tag: Node) -> SupportedLanguage:
    for _, attribute in matches(compile_query(grammar, _SCRIPT_LANG), tag):
        if text(attribute["name"][0]).lower() == "lang":
            lang = text(attribute["value"][0]).lower()
            if lang in ("ts", "typescript"):
                return "typescript"
            if lang == "tsx":
                return "tsx"
    return "javascript"


class VueReader:
    language: ClassVar[Language] = Language.VUE
    suffixes: ClassVar[frozenset[str]] = frozenset({".vue"})

    def imports(self, source: bytes) -> list[ImportRef]:
        return _component_imports("vue", source)


class SvelteReader:
    language: ClassVar[Language] = Language.SVELTE
    suffixes: ClassVar[frozenset[str]] = frozenset({".svelte"})

    def imports(self, source: bytes) -> list[ImportRef]:
        return _component_imports("svelte", source)

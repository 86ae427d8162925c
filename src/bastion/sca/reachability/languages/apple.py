"""Swift (`import X`, `@testable import X`, `import struct X.Y`) and Objective-C (`@import X;`,
`@import X.Y;`, `#import <X/Y.h>`, `#include <X/Y.h>`, `#import "X.h"`).

Objective-C headers are recorded as the path between the delimiters; which pod a header
belongs to is the CocoaPods mapping's business.
"""

from __future__ import annotations

from typing import ClassVar

from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.languages._treesitter import (
    captures,
    compile_query,
    line,
    literal,
    parse,
    text,
)

_SWIFT = "(import_declaration (identifier) @module)"
_OBJC = """
(module_import) @module
(preproc_include path: (_) @header)
"""


class SwiftReader:
    language: ClassVar[Language] = Language.SWIFT
    suffixes: ClassVar[frozenset[str]] = frozenset({".swift"})

    def imports(self, source: bytes) -> list[ImportRef]:
        if b"import" not in source:
            return []
        found = captures(compile_query("swift", _SWIFT), parse("swift", source))
        refs = [
            ImportRef("".join(text(node).split()), line(node)) for node in found.get("module", [])
        ]
        return sorted((ref for ref in refs if ref.specifier), key=lambda ref: ref.line)


class ObjectiveCReader:
    language: ClassVar[Language] = Language.OBJC
    suffixes: ClassVar[frozenset[str]] = frozenset({".m", ".mm", ".h"})

    def imports(self, source: bytes) -> list[ImportRef]:
        if b"import" not in source and b"include" not in source:
            return []
        found = captures(compile_query("objc", _OBJC), parse("objc", source))
        refs: list[ImportRef] = []
        for node in found.get("module", ()):
            name = ".".join(text(c) for c in node.named_children if c.type == "identifier")
            if name:
                refs.append(ImportRef(name, line(node)))
        for node in found.get("header", ()):
            if node.type == "system_lib_string":
                header = text(node)[1:-1].strip()
            elif node.type == "string_literal":
                header = literal(node) or ""
            else:
                continue  # a macro expanding to the header name
            if header:
                refs.append(ImportRef(header, line(node)))
        refs.sort(key=lambda ref: ref.line)
        return refs

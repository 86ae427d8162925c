"""The one interface every language's import reader implements.

A reader is chosen by file suffix and turns the bytes of one source file into the imports
it names, read from a syntax tree (``ast`` for Python, tree-sitter for the rest), so an
import written inside a comment or a string never counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Protocol


class Language(StrEnum):
    PYTHON = "python"
    JAVASCRIPT = "javascript"
    TYPESCRIPT = "typescript"
    TSX = "tsx"
    VUE = "vue"
    SVELTE = "svelte"
    GO = "go"
    RUST = "rust"
    RUBY = "ruby"
    JAVA = "java"
    KOTLIN = "kotlin"
    CSHARP = "csharp"
    PHP = "php"
    SWIFT = "swift"
    OBJC = "objc"


class ImportKind(StrEnum):
    RUNTIME = "runtime"
    # Erased before the program runs (TypeScript `import type`, Python `if TYPE_CHECKING:`):
    # the package is named but never loaded.
    TYPE_ONLY = "type_only"
    # Loads every direct dependency of the ecosystem without naming them (Ruby's
    # `Bundler.require`, which every Rails application calls).
    ALL_DIRECT = "all_direct"


@dataclass(frozen=True, slots=True)
class ImportRef:
    """One import as the source spells it.

    ``specifier`` is the module the language names: ``lodash/fp``, ``google.protobuf``,
    ``golang.org/x/crypto/sha3``, ``regex`` (a Rust crate), ``Newtonsoft.Json``. Relative
    and first-party forms keep their leading ``.``/``./`` so mappings can tell them apart.
    ``line`` is 1-based.
    """

    specifier: str
    line: int
    kind: ImportKind = ImportKind.RUNTIME
    # Python `from a import b, c`: b and c may be submodules (`from google import protobuf`).
    names: tuple[str, ...] = ()
    # Go: the import's local name when written ("jwt", "." for dot, "_" for blank imports).
    alias: str | None = None
    # Go: names referenced through this import (`yaml.Unmarshal` → "Unmarshal"); for a dot
    # import, every identifier of the file. None when the package's local name could not
    # be determined, so symbol use is unknown.
    symbols: tuple[str, ...] | None = ()
    # Go: every name selected with `.` in the file; a method symbol ("Conn.ReadMessage")
    # is called on values whose type only a type checker knows.
    selectors: tuple[str, ...] = ()


class ImportParseError(Exception):
    """The file could not be read as its language (Python SyntaxError, not UTF-8 …)."""


class LanguageReader(Protocol):
    language: ClassVar[Language]
    #: Lower-case file suffixes, with the dot (".ts").
    suffixes: ClassVar[frozenset[str]]

    def imports(self, source: bytes) -> list[ImportRef]:
        """Every import of the file, in source order. Raises only ImportParseError."""
        ...

"""Go: single, grouped, aliased, dot and blank imports, plus what each import is used for.

For symbol checks each import carries the names selected through its local name
(`yaml.Unmarshal` → "Unmarshal"); a dot import carries every identifier of the file. A
package's name is not always its path's last element (`github.com/dgrijalva/jwt-go` is
`jwt`): without an alias the usual spellings are tried, and when none of them is used as
a qualifier in the file, the compiler's "imported and not used" rule says the guess is
wrong, so the symbols are recorded as unknown rather than as none.
"""

from __future__ import annotations

import re
from typing import ClassVar

from tree_sitter import Node

from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.languages._treesitter import (
    captures,
    compile_query,
    line,
    literal,
    matches,
    parse,
    text,
)

_IMPORTS = "(import_spec name: (_)? @name path: (_) @path) @spec"
_USES = """
(selector_expression operand: (identifier) @qualifier field: (field_identifier) @member)
(qualified_type package: (package_identifier) @qualifier name: (type_identifier) @member)
(selector_expression field: (field_identifier) @selected)
"""
_IDENTIFIERS = "[(identifier) (type_identifier)] @identifier"
_MAJOR = re.compile(r"v[0-9]+")
_GOPKG_VERSION = re.compile(r"\.v[0-9]+$")


def package_names(path: str) -> frozenset[str]:
    """Likely package names for an import path, when the source gives no alias."""
    parts = path.split("/")
    last = parts[-1]
    if _MAJOR.fullmatch(last) and len(parts) > 1:
        last = parts[-2]  # github.com/go-redis/redis/v8 is package redis
    names = {last, _GOPKG_VERSION.sub("", last)}  # gopkg.in/yaml.v2 is package yaml
    for name in list(names):
        stripped = name
        for prefix in ("go-", "go."):
            stripped = stripped.removeprefix(prefix)
        for suffix in ("-go", ".go"):
            stripped = stripped.removesuffix(suffix)
        names.add(stripped)
    names |= {n.replace("-", "").replace(".", "") for n in names}
    names |= {n.replace("-", "_") for n in names}
    return frozenset(n for n in names if n.isidentifier())


def _string(node: Node) -> str | None:
    if node.type == "raw_string_literal":
        return text(node)[1:-1]
    return literal(node)


class GoReader:
    language: ClassVar[Language] = Language.GO
    suffixes: ClassVar[frozenset[str]] = frozenset({".go"})

    def imports(self, source: bytes) -> list[ImportRef]:
        if b"import" not in source:
            return []
        root = parse("go", source)
        specs: list[tuple[str, int, str | None]] = []
        for _, match in matches(compile_query("go", _IMPORTS), root):
            path = _string(match["path"][0])
            if not path:
                continue
            name = match.get("name")
            alias = text(name[0]) if name else None
            specs.append((path, line(match["spec"][0]), alias))
        if not specs:
            return []

        uses: dict[str, set[str]] = {}
        selected: set[str] = set()
        for _, match in matches(compile_query("go", _USES), root):
            if "selected" in match:
                selected.add(text(match["selected"][0]))
            else:
                qualifier, member = text(match["qualifier"][0]), text(match["member"][0])
                uses.setdefault(qualifier, set()).add(member)
        selectors = tuple(sorted(selected))
        identifiers: tuple[str, ...] = ()
        if any(alias == "." for _, _, alias in specs):
            nodes = captures(compile_query("go", _IDENTIFIERS), root).get("identifier", ())
            identifiers = tuple(sorted({text(node) for node in nodes}))

        refs: list[ImportRef] = []
        for path, at, alias in specs:
            symbols: tuple[str, ...] | None
            if alias == ".":
                symbols = identifiers
            elif alias == "_":
                symbols = ()
            else:
                qualifiers = [alias] if alias else [n for n in package_names(path) if n in uses]
                symbols = (
                    tuple(sorted(set().union(*(uses.get(q, set()) for q in qualifiers))))
                    if qualifiers
                    else None
                )
            refs.append(ImportRef(path, at, alias=alias, symbols=symbols, selectors=selectors))
        return refs

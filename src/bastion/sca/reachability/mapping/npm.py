"""npm: a specifier names the package in its first path segment, or two for a scoped name
(`lodash/fp` → lodash, `@xmldom/xmldom/lib/dom` → @xmldom/xmldom).

Relative and absolute paths, `node:` built-ins, URLs, package.json `imports` (`#x`) and
bundler aliases (`~/x`, `@/x`) name no package. A bare built-in name (`punycode`, `events`)
is kept: it only matches a dependency of that name, which is then a polyfill the bundler
substitutes. An alias declared in package.json (`"my-ms": "npm:ms@^2"`) is imported as
`my-ms` while lockfiles and advisories say `ms`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Any, ClassVar

from bastion.ecosystems import Ecosystem
from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.mapping.base import Segments

_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


def package_name(specifier: str) -> str | None:
    """The package a module specifier loads, or None when it loads no package."""
    spec = specifier.strip()
    if spec.startswith("npm:"):  # Deno and Bun: "npm:lodash@4/fp"
        spec = spec[4:]
        at = spec.find("@", 1)
        if at > 0:
            slash = spec.find("/", at)
            spec = spec[:at] + (spec[slash:] if slash > 0 else "")
    if not spec or spec[0] in "./#~" or spec.startswith("\\"):
        return None
    parts = spec.split("/")
    if ":" in parts[0]:  # node:fs, https://…, data:…, virtual:…, C:\…
        return None
    if spec.startswith("@"):
        if len(parts) < 2 or len(parts[0]) < 2 or not parts[1]:
            return None  # "@/components" is a bundler alias, not a scope
        return f"{parts[0]}/{parts[1]}"
    return parts[0]


class NpmMapping:
    ecosystem: ClassVar[Ecosystem] = Ecosystem.NPM
    languages: ClassVar[frozenset[Language]] = frozenset(
        {Language.JAVASCRIPT, Language.TYPESCRIPT, Language.TSX, Language.VUE, Language.SVELTE}
    )
    context_files: ClassVar[frozenset[str]] = frozenset({"package.json"})

    def __init__(self) -> None:
        self.aliases: dict[str, set[str]] = defaultdict(set)

    def learn(self, path: PurePosixPath, data: bytes) -> None:
        try:
            document: Any = json.loads(data)
        except (ValueError, RecursionError):
            return
        if not isinstance(document, dict):
            return
        for section in _SECTIONS:
            declared = document.get(section)
            if not isinstance(declared, dict):
                continue
            for alias, spec in declared.items():
                if isinstance(alias, str) and isinstance(spec, str) and spec.startswith("npm:"):
                    real = spec[4:].rpartition("@")[0] if "@" in spec[5:] else spec[4:]
                    if real and real != alias:
                        self.aliases[real].add(alias)

    def import_prefixes(self, name: str) -> frozenset[Segments] | None:
        return frozenset({(name,), *((alias,) for alias in self.aliases.get(name, ()))})

    def segments(self, ref: ImportRef, language: Language) -> list[Segments]:
        name = package_name(ref.specifier)
        return [(name,)] if name else []

    def first_party(self) -> frozenset[Segments]:
        return frozenset()

"""Go: an import path belongs to the module with the longest matching module path
(`golang.org/x/crypto/sha3` → `golang.org/x/crypto`); the analysis picks the longest prefix,
and this mapping adds the project's own module paths from every go.mod, so a module's own
packages never count for a dependency that happens to share a shorter prefix.

A path whose first element has no dot is the standard library, reported by the go.mod
extractor as the package ``stdlib``.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.mapping.base import Segments

STDLIB = "stdlib"


class GoMapping:
    ecosystem: ClassVar[Ecosystem] = Ecosystem.GO
    languages: ClassVar[frozenset[Language]] = frozenset({Language.GO})
    context_files: ClassVar[frozenset[str]] = frozenset({"go.mod"})

    def __init__(self) -> None:
        self.modules: set[str] = set()

    def learn(self, path: PurePosixPath, data: bytes) -> None:
        for raw in data.decode("utf-8", "replace").splitlines():
            words = raw.split("//", 1)[0].split()
            if len(words) == 2 and words[0] == "module":
                self.modules.add(words[1].strip('"`'))
                return

    def import_prefixes(self, name: str) -> frozenset[Segments] | None:
        if name == STDLIB:
            return frozenset({(STDLIB,)})
        return frozenset({tuple(name.split("/"))})

    def segments(self, ref: ImportRef, language: Language) -> list[Segments]:
        path = ref.specifier
        if not path or path.startswith((".", "/")):
            return []
        first = path.split("/", 1)[0]
        if "." not in first:
            return [(STDLIB,)]
        return [tuple(path.split("/"))]

    def first_party(self) -> frozenset[Segments]:
        return frozenset(tuple(module.split("/")) for module in self.modules)

"""The one interface every ecosystem's package → import-name mapping implements.

A mapping turns a dependency's registry name into the module prefixes code imports it by
(PyYAML → ``yaml``, ``github.com/gin-gonic/gin``, ``com.fasterxml.jackson.databind``) and an
import into the segments those prefixes are compared with. The analysis then picks, for
each import, the dependency with the longest matching prefix: `golang.org/x/crypto/sha3`
belongs to the module `golang.org/x/crypto`, `org.apache.commons.io.FileUtils` to
commons-io rather than to whichever other artifact shares the `org.apache.commons` group.

Mappings are created per scan and may first ``learn`` from project files (package.json
aliases, Cargo.toml renames, go.mod module paths, composer.lock autoload namespaces,
installed Python metadata) found during the same walk as the sources.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar, Protocol

from bastion.ecosystems import Ecosystem
from bastion.sca.reachability.base import ImportRef, Language

Segments = tuple[str, ...]


class ImportMapping(Protocol):
    ecosystem: ClassVar[Ecosystem]
    #: Languages whose imports can name this ecosystem's packages.
    languages: ClassVar[frozenset[Language]]
    #: Base names of project files to ``learn`` from (may be empty).
    context_files: ClassVar[frozenset[str]]

    def learn(self, path: PurePosixPath, data: bytes) -> None:
        """Take what the mapping needs from one project file; never raises."""
        ...

    def import_prefixes(self, name: str) -> frozenset[Segments] | None:
        """The prefixes code imports ``name`` by; None when they cannot be known (the
        finding then stays "not_analyzed" rather than risk a wrong "not_imported")."""
        ...

    def segments(self, ref: ImportRef, language: Language) -> list[Segments]:
        """What to look up for one import; empty for relative, built-in and other
        imports that cannot name a package."""
        ...

    def first_party(self) -> frozenset[Segments]:
        """Prefixes of the project's own code (a go.mod module path, composer.json's
        autoload), which win over a dependency with a shorter prefix."""
        ...

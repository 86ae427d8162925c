"""crates.io: code names a crate with `-` written `_` (`crossbeam-deque` → `crossbeam_deque`),
or by the key a Cargo.toml gives it (`ossl = { package = "openssl" }` → `ossl`), or, for a
few crates, by a library name that differs from the package name (`md-5` → `md5`).
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Any, ClassVar

from bastion.ecosystems import Ecosystem
from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.mapping.base import Segments

# Package name → library name, where the crate's own Cargo.toml sets `[lib] name`.
KNOWN_LIBRARIES: dict[str, str] = {
    "md-5": "md5",
    "sha-1": "sha1",
    "rust-crypto": "crypto",
    "rust-argon2": "argon2",
    "rust-ini": "ini",
    "xml-rs": "xml",
    "rustc-serialize": "rustc_serialize",
    "pcre2-sys": "pcre2_sys",
    "libsqlite3-sys": "libsqlite3_sys",
}
_DEPENDENCY_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")


def _tables(document: dict[str, Any]) -> list[dict[str, Any]]:
    tables = [document.get(name) for name in _DEPENDENCY_TABLES]
    workspace = document.get("workspace")
    if isinstance(workspace, dict):
        tables.append(workspace.get("dependencies"))
    targets = document.get("target")
    if isinstance(targets, dict):
        for target in targets.values():
            if isinstance(target, dict):
                tables += [target.get(name) for name in _DEPENDENCY_TABLES]
    return [table for table in tables if isinstance(table, dict)]


class CratesMapping:
    ecosystem: ClassVar[Ecosystem] = Ecosystem.CRATES_IO
    languages: ClassVar[frozenset[Language]] = frozenset({Language.RUST})
    context_files: ClassVar[frozenset[str]] = frozenset({"Cargo.toml"})

    def __init__(self) -> None:
        self.renames: dict[str, set[str]] = defaultdict(set)

    def learn(self, path: PurePosixPath, data: bytes) -> None:
        try:
            document = tomllib.loads(data.decode("utf-8", "replace"))
        except (tomllib.TOMLDecodeError, RecursionError):
            return
        for table in _tables(document):
            for key, spec in table.items():
                if isinstance(spec, dict) and isinstance(spec.get("package"), str):
                    self.renames[spec["package"].lower().replace("_", "-")].add(key)

    def import_prefixes(self, name: str) -> frozenset[Segments] | None:
        key = name.lower().replace("_", "-")
        names = {name.replace("-", "_"), *(alias.replace("-", "_") for alias in self.renames[key])}
        if key in KNOWN_LIBRARIES:
            names.add(KNOWN_LIBRARIES[key])
        return frozenset((n,) for n in names)

    def segments(self, ref: ImportRef, language: Language) -> list[Segments]:
        return [(ref.specifier,)] if ref.specifier else []

    def first_party(self) -> frozenset[Segments]:
        return frozenset()

"""Packagist: the namespaces a package's classes live in are the keys of its
`autoload.psr-4` (and `psr-0`) in composer.lock, e.g. guzzlehttp/guzzle → `GuzzleHttp\\`.

A package known only by `classmap` or `files` autoloading, or not in any composer.lock of
the tree, has no namespace to look for: it is unknown, not "not imported". PHP compares
namespaces case-insensitively; so does this mapping.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Any, ClassVar

from bastion.ecosystems import Ecosystem
from bastion.sca.reachability.base import ImportRef, Language
from bastion.sca.reachability.mapping.base import Segments


def _namespaces(package: dict[str, Any]) -> set[str]:
    autoload = package.get("autoload")
    if not isinstance(autoload, dict):
        return set()
    found: set[str] = set()
    for standard in ("psr-4", "psr-0"):
        table = autoload.get(standard)
        if isinstance(table, dict):
            # psr-0 keys may also be class-name prefixes with `_` (old PEAR style).
            found |= {key.strip("\\").lower() for key in table if isinstance(key, str)}
    return {ns for ns in found if ns}


class PackagistMapping:
    ecosystem: ClassVar[Ecosystem] = Ecosystem.PACKAGIST
    languages: ClassVar[frozenset[Language]] = frozenset({Language.PHP})
    context_files: ClassVar[frozenset[str]] = frozenset({"composer.lock", "composer.json"})

    def __init__(self) -> None:
        self.namespaces: dict[str, set[str]] = defaultdict(set)
        self.own: set[str] = set()

    def learn(self, path: PurePosixPath, data: bytes) -> None:
        try:
            document: Any = json.loads(data)
        except (ValueError, RecursionError):
            return
        if not isinstance(document, dict):
            return
        if path.name == "composer.json":
            self.own |= _namespaces(document)
            return
        for section in ("packages", "packages-dev"):
            packages = document.get(section)
            if not isinstance(packages, list):
                continue
            for package in packages:
                if isinstance(package, dict) and isinstance(package.get("name"), str):
                    self.namespaces[package["name"].lower()] |= _namespaces(package)

    def import_prefixes(self, name: str) -> frozenset[Segments] | None:
        namespaces = self.namespaces.get(name.lower())
        if not namespaces:
            return None
        return frozenset(tuple(ns.split("\\")) for ns in namespaces)

    def segments(self, ref: ImportRef, language: Language) -> list[Segments]:
        name = ref.specifier.strip("\\").lower()
        return [tuple(name.split("\\"))] if name else []

    def first_party(self) -> frozenset[Segments]:
        return frozenset(tuple(ns.split("\\")) for ns in self.own)

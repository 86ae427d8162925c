"""Dart/Flutter ``pubspec.lock``.

A YAML mapping: ``packages`` maps each package name to ``dependency`` ("direct main",
"direct dev", "direct overridden" or "transitive"), ``source`` (hosted, git, path, sdk),
``description`` (where it came from) and ``version``; ``sdks`` holds SDK constraints,
not packages. pub records no graph, so transitive packages get no path.

Every package is reported with its version as written, including git, path and SDK
packages (Flutter's SDK packages are locked as ``0.0.0``), each noted with its origin.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._yaml import key_lines, load_all
from bastion.sca.extractors.base import ExtractInput, ExtractionError

_KINDS = frozenset({"direct main", "direct dev", "direct overridden", "transitive"})
_PUB_DEV = frozenset({"https://pub.dev", "https://pub.dartlang.org"})


class PubspecLockExtractor:
    name: ClassVar[str] = "dart/pubspeclock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "pubspec.lock"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        documents = load_all(source.text())
        if not documents:
            return []
        if len(documents) > 1:
            raise ExtractionError("expected one YAML document, found several")
        doc = documents[0].data
        if doc is None:
            return []
        if not isinstance(doc, dict):
            raise ExtractionError("pubspec.lock should be a mapping")
        packages = doc.get("packages")
        if packages is None:
            return []
        if not isinstance(packages, dict):
            raise ExtractionError("'packages' should be a mapping")
        lines = key_lines(documents[0], "packages")
        where = str(source.path)
        found: list[Dependency] = []
        for name, entry in packages.items():
            line = lines.get(name)
            if not name:
                raise ExtractionError("a package has an empty name", line)
            if not isinstance(entry, dict):
                raise ExtractionError(f"package {name} should be a mapping", line)
            kind, origin, version = (entry.get(k) for k in ("dependency", "source", "version"))
            if kind not in _KINDS:
                raise ExtractionError(f"package {name} has an unknown 'dependency': {kind!r}", line)
            if not isinstance(origin, str) or not origin:
                raise ExtractionError(f"package {name} has no 'source'", line)
            if not isinstance(version, str) or not version:
                raise ExtractionError(f"package {name} has no 'version' string", line)
            direct = kind.startswith("direct")
            group = "dev" if kind == "direct dev" else ("local" if origin == "path" else None)
            notes = [note] if (note := _origin(origin, entry.get("description"))) else []
            if kind == "direct overridden":
                notes.append("pinned by dependency_overrides")
            found.append(
                Dependency(
                    name=name,
                    version=version,
                    ecosystem=Ecosystem.PUB,
                    direct=direct,
                    source=where,
                    line=line,
                    extractor=self.name,
                    group=group,
                    path=(name,) if direct else (),
                    note="; ".join(notes) or None,
                )
            )
        return found


def _origin(source: str, description: object) -> str | None:
    """Where a package came from, or None for pub.dev."""
    fields = description if isinstance(description, dict) else {}
    match source:
        case "hosted":
            url = fields.get("url")
            if not isinstance(url, str) or url.rstrip("/") in _PUB_DEV:
                return None
            return f"from package server {url}"
        case "git":
            where = f"from git {fields.get('url', '?')}@{fields.get('resolved-ref', '?')}"
            subdirectory = fields.get("path")
            if isinstance(subdirectory, str) and subdirectory not in (".", ""):
                where += f" ({subdirectory})"
            return where
        case "path":
            return f"from path {fields.get('path', '?')}"
        case "sdk":
            return f"from the {description} SDK"
        case _:
            return f"from source {source}"

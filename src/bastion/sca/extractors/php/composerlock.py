"""Composer ``composer.lock``: ``packages`` (group None) and ``packages-dev`` ("dev").

Versions are reported as Composer wrote them (``v5.4.0`` keeps its ``v``). A branch
checkout (``dev-main``, ``2.x-dev``) names no release: it is listed without a version and
with the commit. Packages installed from a ``path`` repository keep their version and get
a note.

The lock file does not say which packages the project requires itself: that comes from
the sibling ``composer.json`` (``require`` and ``require-dev``). Without it, the packages
no other locked package requires are taken as direct. Paths come from one BFS over each
package's ``require`` (``provide``/``replace`` included, so a requirement of
``psr/log-implementation`` leads to the package providing it). Platform requirements
(``php``, ``ext-*``, ``lib-*``, ``composer-plugin-api``...) have no vendor prefix and are
never packages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._graph import shortest_paths
from bastion.sca.extractors._json import OrderedKeyLines, kind, load_json
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.licenses import any_of

_FILENAME = "composer.lock"
_MANIFEST = "composer.json"
_SECTIONS = (("packages", None), ("packages-dev", "dev"))
# A package's "name"; authors have names too, but never with the "/" of a package.
_NAME_KEY = re.compile(r'"name"\s*:\s*"((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True, slots=True)
class _Package:
    name: str
    version: str | None
    group: str | None
    note: str | None
    line: int | None
    requires: tuple[str, ...]  # lowercase names
    provides: tuple[str, ...]  # lowercase names it provides or replaces
    license: str | None


class ComposerLockExtractor:
    name: ClassVar[str] = "php/composerlock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == _FILENAME

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_json(text)
        if not isinstance(doc, dict):
            raise ExtractionError(f"expected a JSON object at the top, got {kind(doc)}", 1)
        lines = OrderedKeyLines(text, _NAME_KEY)
        packages: list[_Package] = []
        for section, group in _SECTIONS:
            entries = doc.get(section)
            if entries is None:
                continue  # Composer 1 wrote "packages-dev": null
            if not isinstance(entries, list):
                raise ExtractionError(f"'{section}' should be an array, got {kind(entries)}")
            packages.extend(_package(raw, section, group, lines) for raw in entries)

        by_name: dict[str, int] = {}
        for index, package in enumerate(packages):
            by_name.setdefault(package.name.lower(), index)
        for index, package in enumerate(packages):
            for provided in package.provides:
                by_name.setdefault(provided, index)

        declared = _declared(source.sibling(_MANIFEST))
        if declared is None:
            required = {
                by_name[name]
                for package in packages
                for name in package.requires
                if name in by_name
            }
            roots = [index for index in range(len(packages)) if index not in required]
        else:
            roots = list(dict.fromkeys(by_name[name] for name in declared if name in by_name))
        paths = _shortest_paths(packages, by_name, roots)

        where = str(source.path)
        direct = set(roots)
        return [
            Dependency(
                name=package.name,
                version=package.version,
                ecosystem=Ecosystem.PACKAGIST,
                direct=index in direct,
                source=where,
                line=package.line,
                extractor=self.name,
                group=package.group,
                path=paths.get(index, ()),
                note=package.note,
                license=package.license,
            )
            for index, package in enumerate(packages)
        ]


def _package(raw: object, section: str, group: str | None, lines: OrderedKeyLines) -> _Package:
    if not isinstance(raw, dict):
        raise ExtractionError(f"an entry of '{section}' should be an object, got {kind(raw)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ExtractionError(f"an entry of '{section}' has no 'name'")
    line = lines.find(name)
    version = raw.get("version")
    if version is not None and not isinstance(version, str):
        raise ExtractionError(
            f"'version' of {name!r} should be a string, got {kind(version)}", line
        )
    version = (version or "").strip() or None
    notes: list[str] = []
    if version is None:
        notes.append("no version in the lock file")
    elif version.startswith("dev-") or version.endswith("-dev"):
        reference = _reference(raw)
        notes.append(
            f"development branch {version}" + (f" at commit {reference}" if reference else "")
        )
        version = None
    local = _path_url(raw)
    if local is not None:
        notes.append(f"installed from a local path ({local})")
    return _Package(
        name=name,
        version=version,
        group=group,
        note="; ".join(notes) or None,
        line=line,
        requires=_package_names(raw.get("require")),
        provides=(*_package_names(raw.get("provide")), *_package_names(raw.get("replace"))),
        license=_license(raw.get("license")),
    )


def _license(value: object) -> str | None:
    """Composer writes ``license`` as an array of SPDX ids meaning "any of these"
    (composer.json also allows one string). Other shapes are ignored: licenses are extra
    information, not a reason to reject the lock file."""
    items = value if isinstance(value, list) else [value]
    return any_of(item for item in items if isinstance(item, str))


def _reference(raw: dict[str, object]) -> str | None:
    for field in ("source", "dist"):
        info = raw.get(field)
        if isinstance(info, dict):
            reference = info.get("reference")
            if isinstance(reference, str) and reference:
                return reference
    return None


def _path_url(raw: dict[str, object]) -> str | None:
    for field in ("dist", "source"):
        info = raw.get(field)
        if isinstance(info, dict) and info.get("type") == "path":
            url = info.get("url")
            return url if isinstance(url, str) and url else "unknown path"
    return None


def _package_names(value: object) -> tuple[str, ...]:
    """Lowercase package names of a ``require``-style map, platform packages left out.

    The graph is extra information: a malformed map only loses edges, never packages.
    """
    if not isinstance(value, dict):
        return ()
    return tuple(name.lower() for name in value if isinstance(name, str) and "/" in name)


def _declared(data: bytes | None) -> list[str] | None:
    """Lowercase names the sibling composer.json requires; None when it is unusable."""
    if data is None:
        return None
    try:
        doc = load_json(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ExtractionError):
        return None
    if not isinstance(doc, dict):
        return None
    return [
        *_package_names(doc.get("require")),
        *_package_names(doc.get("require-dev")),
    ]


def _shortest_paths(
    packages: list[_Package], by_name: dict[str, int], roots: list[int]
) -> dict[int, tuple[str, ...]]:
    def requires(index: int) -> Iterable[int]:
        found = (by_name.get(name) for name in packages[index].requires)
        return (child for child in found if child is not None)

    return shortest_paths(roots, requires, lambda index: packages[index].name)

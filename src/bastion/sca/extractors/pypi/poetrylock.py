"""Poetry's ``poetry.lock``, lock versions 1.x (``[metadata.files]``), 2.0 and 2.1.

Every version lists ``[[package]]`` tables with ``name``, ``version``, an optional
``[package.source]`` and ``[package.dependencies]`` (name -> constraint). The group is
``category`` in files before Poetry 1.5 ("main" or "dev"), ``groups = [...]`` from Poetry
2 on, and neither in between; ``optional = true`` marks a package only an extra installs.

Direct dependencies are the ones the ``pyproject.toml`` beside the lockfile declares;
without it, the packages no other package depends on. A package whose lock entry carries
no group takes the group of the direct dependencies that pull it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.pypi._shared import (
    array_tables,
    direct_packages,
    groups_by_reach,
    index_by_name,
    load_toml,
    normalize,
    optional_string,
    short,
    shortest_paths,
    table,
)
from bastion.sca.extractors.pypi.pyproject import manifest_groups

# Groups read from the lockfile; _UNKNOWN when it has none for the package.
_UNKNOWN = "\0unknown"


@dataclass(frozen=True, slots=True)
class _Package:
    name: str
    version: str
    group: str | None
    note: str | None
    requires: tuple[str, ...]  # normalised names
    line: int | None


class PoetryLockExtractor:
    name: ClassVar[str] = "pypi/poetrylock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "poetry.lock"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_toml(text)
        metadata = table(doc.get("metadata"), "'metadata'")
        optional_string(metadata.get("lock-version"), "'metadata.lock-version'")
        packages = [_package(entry, line) for entry, line in array_tables(doc, text, "package")]

        by_name = index_by_name(p.name for p in packages)
        edges = [
            [target for name in package.requires for target in by_name.get(name, ())]
            for package in packages
        ]
        direct, seeds = direct_packages([p.name for p in packages], edges, manifest_groups(source))
        paths = shortest_paths([p.name for p in packages], edges, direct)
        reached = groups_by_reach(edges, seeds)

        where = str(source.path)
        direct_set = set(direct)
        return [
            Dependency(
                name=package.name,
                version=package.version,
                ecosystem=Ecosystem.PYPI,
                direct=index in direct_set,
                source=where,
                line=package.line,
                extractor=self.name,
                group=reached.get(index) if package.group == _UNKNOWN else package.group,
                path=paths.get(index, ()),
                note=package.note,
            )
            for index, package in enumerate(packages)
        ]


def _package(entry: object, line: int | None) -> _Package:
    if not isinstance(entry, dict):
        raise ExtractionError("'package' entries should be tables", line)
    name, version = entry.get("name"), entry.get("version")
    if not isinstance(name, str) or not name:
        raise ExtractionError("package has no 'name'", line)
    if not isinstance(version, str) or not version:
        raise ExtractionError(f"package {name} has no 'version'", line)
    try:
        group = _group(entry)
        note = _note(table(entry.get("source"), f"'source' of package {name}"))
        requires = tuple(
            normalize(dependency)
            for dependency in table(entry.get("dependencies"), f"'dependencies' of {name}")
        )
    except ExtractionError as exc:
        raise ExtractionError(exc.message, line) from exc
    return _Package(name, version, group, note, requires, line)


def _group(entry: dict[str, Any]) -> str | None:
    if entry.get("optional") is True:
        return "optional"
    groups = entry.get("groups")
    if isinstance(groups, list) and groups and all(isinstance(g, str) for g in groups):
        if "main" in groups:
            return None
        return "dev" if "dev" in groups else str(groups[0])
    category = entry.get("category")
    if isinstance(category, str) and category:
        return None if category == "main" else category
    return _UNKNOWN


def _note(source: dict[str, Any]) -> str | None:
    kind, url = source.get("type"), source.get("url")
    if not isinstance(kind, str) or not isinstance(url, str):
        return None
    match kind:
        case "git":
            ref = source.get("resolved_reference") or source.get("reference")
            where = f"{url}@{ref}" if isinstance(ref, str) and ref else url
            return f"from git ({short(where)})"
        case "directory":
            return f"from a local directory ({short(url)})"
        case "file":
            return f"from a local file ({short(url)})"
        case "url":
            return f"from a URL ({short(url)})"
        case _:
            # "legacy" and friends: a package index other than PyPI, same versions.
            return None

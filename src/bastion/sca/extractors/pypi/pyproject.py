"""``pyproject.toml`` as a manifest, for projects without a lockfile beside it.

Declarations come from PEP 621 ``[project.dependencies]`` (main group) and
``[project.optional-dependencies]`` (group = the extra's name), PEP 735
``[dependency-groups]`` (group = the group's name), Poetry's
``[tool.poetry.dependencies]``, ``[tool.poetry.dev-dependencies]`` ("dev") and
``[tool.poetry.group.<g>.dependencies]`` (g), PDM's ``[tool.pdm.dev-dependencies]`` and
uv's legacy ``[tool.uv] dev-dependencies`` ("dev").

Rules where the formats leave room:

* A requirement is reported once, in the group where it is written: an
  ``{include-group = ...}`` entry adds nothing, its requirements are already reported
  under the included group.
* Poetry 2 reads ``[tool.poetry.dependencies]`` as extra information (a source, a path)
  about packages ``[project]`` declares; those names are not reported a second time.
* ``python`` in Poetry's tables and the project's own name (``demo[extra]`` in an extra)
  are not dependencies.
* Versions follow the rule in ``_shared``; Poetry's ``"1.2"`` is a pin, ``"^1.2"`` and
  ``"~1.2"`` lower bounds. A Poetry ``optional = true`` dependency is in group "optional".
* ``project.license`` is the project's own license, not a dependency's: dependencies
  carry none.

A workspace member's ``pyproject.toml`` is left to the ``uv.lock`` above it that lists
it in ``[manifest] members`` (the walker's ``superseded_by`` only sees the same
directory).

The helper :func:`manifest_groups` serves the lockfile extractors, which read the
``pyproject.toml`` beside them to tell direct dependencies from transitive ones.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.pypi._shared import (
    NO_PIN,
    UNPINNED,
    Pin,
    TomlPositions,
    load_toml,
    normalize,
    parse_requirement,
    pin_from_poetry,
    short,
    string_list,
    table,
)

logger = logging.getLogger(__name__)

_EGG = "#egg="


@dataclass(frozen=True, slots=True)
class Declaration:
    name: str
    pin: Pin
    group: str | None
    line: int | None


class PyprojectExtractor:
    name: ClassVar[str] = "pypi/pyproject"
    # Only real lockfiles: a requirements.txt beside a pyproject.toml is often a
    # different environment (docs, CI), not the project's resolution.
    superseded_by: ClassVar[frozenset[str]] = frozenset(
        {"poetry.lock", "uv.lock", "pdm.lock", "pylock.toml", "Pipfile.lock"}
    )

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "pyproject.toml"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_toml(text)
        if _in_uv_workspace(source, doc):
            return []
        where = str(source.path)
        return [
            Dependency(
                name=declaration.name,
                version=declaration.pin.version,
                ecosystem=Ecosystem.PYPI,
                direct=True,
                source=where,
                line=declaration.line,
                extractor=self.name,
                group=declaration.group,
                path=(declaration.name,),
                note=declaration.pin.note,
                approximate=declaration.pin.approximate,
            )
            for declaration in declarations(doc, TomlPositions(text))
        ]


def _in_uv_workspace(source: ExtractInput, doc: dict[str, Any]) -> bool:
    """True when the nearest ``uv.lock`` above this file's directory locks this project
    as a workspace member: the lockfile already reports what it declares, resolved."""
    project = doc.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str):
        return False
    for directory in source.path.parents[1:]:
        data = source.read_relative(directory / "uv.lock")
        if data is None:
            continue
        try:
            manifest = tomllib.loads(data.decode("utf-8-sig")).get("manifest")
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
            return False  # the lockfile's own extraction reports the problem
        members = manifest.get("members") if isinstance(manifest, dict) else None
        return isinstance(members, list) and normalize(name) in {
            normalize(member) for member in members if isinstance(member, str)
        }
    return False


def manifest_groups(source: ExtractInput) -> dict[str, str | None] | None:
    """Normalised name -> group of each dependency the ``pyproject.toml`` beside
    ``source`` declares; None when there is none, it is unreadable or declares nothing.

    A package declared in several groups counts as main when any of them is main.
    """
    data = source.sibling("pyproject.toml")
    if data is None:
        return None
    try:
        found = declarations(load_toml(data.decode("utf-8-sig")), None)
    except (UnicodeDecodeError, ExtractionError) as exc:
        # The lockfile is still worth reading; only the direct/transitive split degrades.
        logger.info("%s: ignoring the pyproject.toml beside it: %s", source.path, exc)
        return None
    groups: dict[str, str | None] = {}
    for declaration in found:
        key = normalize(declaration.name)
        if key not in groups or declaration.group is None:
            groups[key] = declaration.group
    return groups or None


def declarations(doc: dict[str, Any], positions: TomlPositions | None) -> list[Declaration]:
    """Every dependency the document declares, in the order of the module docstring."""
    builder = _Builder(doc, positions)
    project = table(doc.get("project"), "'project'")
    for text in string_list(project.get("dependencies"), "'project.dependencies'"):
        builder.pep508(text, None)
    extras = table(project.get("optional-dependencies"), "'project.optional-dependencies'")
    for extra, items in extras.items():
        for text in string_list(items, f"'project.optional-dependencies.{extra}'"):
            builder.pep508(text, extra)
    from_project = {normalize(d.name) for d in builder.found}

    for group, items in table(doc.get("dependency-groups"), "'dependency-groups'").items():
        if not isinstance(items, list):
            raise ExtractionError(f"'dependency-groups.{group}' should be a list")
        for item in items:
            if isinstance(item, str):
                builder.pep508(item, group)
            elif not (isinstance(item, dict) and isinstance(item.get("include-group"), str)):
                raise ExtractionError(
                    f"'dependency-groups.{group}' entries should be strings or "
                    "{include-group = ...} tables"
                )

    tool = table(doc.get("tool"), "'tool'")
    poetry = table(tool.get("poetry"), "'tool.poetry'")
    builder.poetry("tool.poetry.dependencies", poetry.get("dependencies"), None, from_project)
    builder.poetry("tool.poetry.dev-dependencies", poetry.get("dev-dependencies"), "dev")
    for group, body in table(poetry.get("group"), "'tool.poetry.group'").items():
        name = f"tool.poetry.group.{group}.dependencies"
        builder.poetry(
            name,
            table(body, f"'tool.poetry.group.{group}'").get("dependencies"),
            None if group == "main" else group,
        )

    pdm = table(tool.get("pdm"), "'tool.pdm'")
    for group, items in table(pdm.get("dev-dependencies"), "'tool.pdm.dev-dependencies'").items():
        for text in string_list(items, f"'tool.pdm.dev-dependencies.{group}'"):
            builder.pep508(text, group)
    uv = table(tool.get("uv"), "'tool.uv'")
    for text in string_list(uv.get("dev-dependencies"), "'tool.uv.dev-dependencies'"):
        builder.pep508(text, "dev")
    return builder.found


class _Builder:
    def __init__(self, doc: dict[str, Any], positions: TomlPositions | None) -> None:
        self.positions = positions
        self.found: list[Declaration] = []
        self.own: set[str] = set()
        for owner in (doc.get("project"), table(doc.get("tool"), "'tool'").get("poetry")):
            if isinstance(owner, dict) and isinstance(owner.get("name"), str):
                self.own.add(normalize(owner["name"]))

    def _add(self, name: str, pin: Pin, group: str | None, line: int | None) -> None:
        if normalize(name) not in self.own:
            self.found.append(Declaration(name, pin, group, line))

    def pep508(self, text: str, group: str | None) -> None:
        line = self.positions.take_string(text) if self.positions else None
        stripped = text.strip()
        if stripped.startswith("-e"):
            # PDM writes editable dependencies the way pip does: "-e <url>#egg=name".
            target = stripped[2:].strip()
            if _EGG in target:
                name = target.rpartition(_EGG)[2]
                note = f"editable install from {short(target)}, {UNPINNED}"
                self._add(name, Pin(None, note), group, line)
            return  # an editable local project without a name is the project's own code
        parsed = parse_requirement(stripped)
        if parsed is not None:
            self._add(parsed[0], parsed[1], group, line)

    def poetry(
        self,
        table_name: str,
        raw: object,
        group: str | None,
        skip: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        for name, spec in table(raw, f"'{table_name}'").items():
            if not name.strip():
                raise ExtractionError(f"'{table_name}' declares a dependency with an empty name")
            if name.lower() == "python" or normalize(name) in skip:
                continue
            line = self._poetry_line(table_name, name)
            for variant in spec if isinstance(spec, list) else [spec]:
                pin, optional = _poetry_pin(variant, f"'{table_name}.{name}'")
                self._add(name, pin, "optional" if optional and group is None else group, line)

    def _poetry_line(self, table_name: str, name: str) -> int | None:
        if self.positions is None:
            return None
        return self.positions.key(table_name, name) or self.positions.header(f"{table_name}.{name}")


def _poetry_pin(spec: object, what: str) -> tuple[Pin, bool]:
    """(pin, optional) of one Poetry dependency specification."""
    if isinstance(spec, str):
        return pin_from_poetry(spec), False
    if not isinstance(spec, dict):
        raise ExtractionError(f"{what} should be a version string or a table")
    optional = spec.get("optional") is True
    version = spec.get("version")
    if isinstance(version, str):
        return pin_from_poetry(version), optional
    git = spec.get("git")
    if isinstance(git, str):
        ref = next(
            (spec[key] for key in ("rev", "tag", "branch") if isinstance(spec.get(key), str)), None
        )
        where = f"{git}@{ref}" if ref else git
        return Pin(None, f"from git ({short(where)}), {UNPINNED}"), optional
    for key, label in (("path", "local path"), ("url", "installed from a URL")):
        value = spec.get(key)
        if isinstance(value, str):
            return Pin(None, f"{label} ({short(value)}), {UNPINNED}"), optional
    return NO_PIN, optional

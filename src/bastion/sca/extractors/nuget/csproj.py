"""MSBuild project files (``*.csproj``, ``*.fsproj``, ``*.vbproj``): ``<PackageReference>``.

A reference names its version in a ``Version`` attribute or child element. With central
package management the version lives in the nearest ``Directory.Packages.props`` at or
above the project (``<PackageVersion Include= Version=>``) and a project may override
it with ``VersionOverride``; ``<GlobalPackageReference>`` items there apply to every
project. ``$(Property)`` references are expanded from the project's property groups, the
nearest ``Directory.Build.props`` and ``Directory.Packages.props`` (``Condition``
attributes are not evaluated: the last definition wins). Imports other than these two
implicit ones are not followed.

Rules chosen where MSBuild leaves room:

* Central versions are used whenever a ``Directory.Packages.props`` is found, unless
  ``ManagePackageVersionsCentrally`` is explicitly ``false``: the switch is often set in
  a file this extractor does not read.
* ``Update=`` items are reported like ``Include=`` ones: they set the version of a
  package referenced elsewhere (an SDK-implicit reference or a shared props file).
* ``PrivateAssets="all"`` (what NuGet sets for development dependencies: analyzers,
  build tools, SourceLink) puts the package in the "dev" group; global package
  references are private by default.
* A version is reported only when it is exact: ``1.2.3`` or ``[1.2.3]``. Floating
  versions (``1.*``) and ranges (``[1.0,2.0)``) are reported without a version and a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._xml import Element, parse_xml
from bastion.sca.extractors.base import ExtractInput, ExtractionError

_SUFFIXES = (".csproj", ".fsproj", ".vbproj")
_CENTRAL = "Directory.Packages.props"
_BUILD_PROPS = "Directory.Build.props"
_PROPERTY = re.compile(r"\$\(([^()]*)\)")
MAX_EXPANSION_DEPTH = 32
MAX_EXPANDED_LENGTH = 4096


@dataclass(slots=True)
class _Props:
    """What an implicitly imported props file contributes."""

    path: PurePosixPath
    properties: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)  # lowercase id → version
    globals: list[tuple[str, str | None]] = field(default_factory=list)
    problem: str | None = None


class CsprojExtractor:
    name: ClassVar[str] = "nuget/csproj"
    superseded_by: ClassVar[frozenset[str]] = frozenset({"packages.lock.json"})

    def wants(self, path: PurePosixPath) -> bool:
        return path.suffix.lower() in _SUFFIXES

    def extract(self, source: ExtractInput) -> list[Dependency]:
        root = parse_xml(source.data)
        if root.tag != "Project":
            raise ExtractionError(f"the root element is <{root.tag}>, not <Project>", root.line)
        build_props = _nearest(source, _BUILD_PROPS)
        central = _nearest(source, _CENTRAL)

        # MSBuild evaluates all properties before any item, in import order: the
        # Directory.*.props files come first (the SDK imports them), then the project.
        properties: dict[str, str] = {}
        for props in (build_props, central):
            if props is not None:
                properties.update(props.properties)
        properties.update(_properties(root))
        expand = _Expander(properties)
        manage = properties.get("managepackageversionscentrally", "").strip().lower()
        if central is not None and manage == "false":
            central = None

        where = str(source.path)
        found: list[Dependency] = []
        for element in _items(root, "packagereference"):
            for name in _names(element, expand):
                version, note = self._version(element, name, central, expand)
                found.append(
                    self._dependency(
                        name,
                        version=version,
                        note=note,
                        where=where,
                        line=element.line,
                        private=_private(element),
                    )
                )
        if central is not None:
            for name, raw in central.globals:
                version, note = _exact(raw, expand) if raw else (None, "no version")
                origin = f"global package reference from {central.path}"
                found.append(
                    self._dependency(
                        name,
                        version=version,
                        note=f"{origin}; {note}" if note else origin,
                        where=where,
                        line=None,
                        private=True,
                    )
                )
        return found

    def _version(
        self,
        element: Element,
        name: str,
        central: _Props | None,
        expand: _Expander,
    ) -> tuple[str | None, str | None]:
        override = _metadata(element, "versionoverride")
        if override is not None:
            return _exact(override, expand)
        version = _metadata(element, "version")
        if version is not None:
            return _exact(version, expand)
        if central is not None:
            if central.problem is not None:
                return None, central.problem
            managed = central.versions.get(name.lower())
            if managed is not None:
                return _exact(managed, expand)
            return None, f"no version here nor in {central.path}"
        return None, "no version declared"

    def _dependency(
        self,
        name: str,
        *,
        version: str | None,
        note: str | None,
        where: str,
        line: int | None,
        private: bool,
    ) -> Dependency:
        return Dependency(
            name=name,
            version=version,
            ecosystem=Ecosystem.NUGET,
            direct=True,
            source=where,
            line=line,
            extractor=self.name,
            group="dev" if private else None,
            path=(name,),
            note=note,
        )


def _nearest(source: ExtractInput, filename: str) -> _Props | None:
    """The ``filename`` MSBuild imports implicitly: the first one found walking up from the
    project's directory."""
    directory = source.path.parent
    while True:
        path = directory / filename
        data = source.read_relative(path)
        if data is not None:
            return _read_props(path, data)
        if directory == directory.parent:
            return None
        directory = directory.parent


def _read_props(path: PurePosixPath, data: bytes) -> _Props:
    props = _Props(path)
    try:
        root = parse_xml(data)
    except ExtractionError as exc:
        props.problem = f"{path} is unreadable ({exc.message})"
        return props
    props.properties = _properties(root)
    expand = _Expander(props.properties)
    for element in _items(root, "packageversion"):
        version = _metadata(element, "version")
        for name in _names(element, expand):
            if version is not None:
                props.versions[name.lower()] = version
    for element in _items(root, "globalpackagereference"):
        for name in _names(element, expand):
            props.globals.append((name, _metadata(element, "version")))
    return props


def _properties(root: Element) -> dict[str, str]:
    """Property values by lowercase name: MSBuild property names are case-insensitive."""
    found: dict[str, str] = {}
    for group in _containers(root, "propertygroup"):
        for prop in group.children:
            found[prop.tag.lower()] = prop.text
    return found


def _containers(root: Element, tag: str) -> Iterator[Element]:
    """``<PropertyGroup>``/``<ItemGroup>`` elements of the project, including those under
    ``<Choose><When>``/``<Otherwise>``; those inside targets run only at build time."""
    pending = [root]
    while pending:
        element = pending.pop()
        for child in element.children:
            lowered = child.tag.lower()
            if lowered == tag:
                yield child
            elif lowered in ("choose", "when", "otherwise"):
                pending.append(child)


def _items(root: Element, tag: str) -> list[Element]:
    found = [
        item
        for group in _containers(root, "itemgroup")
        for item in group.children
        if item.tag.lower() == tag
    ]
    # Containers come out of a stack; report in file order.
    found.sort(key=lambda item: item.line)
    return found


def _attribute(element: Element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if key.lower() == name:
            return value
    return None


def _metadata(element: Element, name: str) -> str | None:
    """Item metadata, as an attribute or a child element (names are case-insensitive)."""
    value = _attribute(element, name)
    if value is not None:
        return value
    for child in element.children:
        if child.tag.lower() == name:
            return child.text
    return None


def _names(element: Element, expand: _Expander) -> list[str]:
    """The package ids an item names; ``Remove`` items and wildcards name none."""
    raw = _attribute(element, "include")
    if raw is None:
        raw = _attribute(element, "update")
    if raw is None:
        return []
    try:
        text = expand(raw)
    except _Unresolved:
        text = raw
    return [
        name
        for name in (part.strip() for part in text.split(";"))
        if name and not any(c in name for c in "*?@$%")
    ]


def _private(element: Element) -> bool:
    value = _metadata(element, "privateassets") or ""
    return any(part.strip().lower() == "all" for part in value.split(";"))


def _exact(raw: str, expand: _Expander) -> tuple[str | None, str | None]:
    """(exact version, note when there is none) for a NuGet version or range."""
    try:
        version = expand(raw).strip()
    except _Unresolved as exc:
        return None, str(exc)
    if not version:
        return None, "empty version"
    if "*" in version:
        return None, f"floating version {version}, not resolved"
    if version.startswith(("[", "(")):
        inner = version[1:-1].strip()
        if version.startswith("[") and version.endswith("]") and inner and "," not in inner:
            return inner, None
        return None, f"version range {version}, not resolved"
    return version, None


class _Unresolved(Exception):
    pass


class _TooDeep(_Unresolved):
    pass


class _Expander:
    """``$(Name)`` expansion, memoised per property, with depth, cycle and size limits."""

    def __init__(self, properties: dict[str, str]) -> None:
        self._raw = properties
        self._done: dict[str, str | _Unresolved] = {}
        self._active: set[str] = set()

    def __call__(self, text: str) -> str:
        if "$(" not in text:
            return text
        expanded = _PROPERTY.sub(lambda match: self._property(match.group(1)), text)
        if "$(" in expanded:
            # Property functions such as $([MSBuild]::...) are code, not values.
            raise _Unresolved(f"{text.strip()} cannot be evaluated without MSBuild")
        if len(expanded) > MAX_EXPANDED_LENGTH:
            raise _Unresolved(f"{text.strip()} expands to over {MAX_EXPANDED_LENGTH} characters")
        return expanded

    def _property(self, name: str) -> str:
        key = name.strip().lower()
        done = self._done.get(key)
        if isinstance(done, str):
            return done
        if done is not None:
            raise done
        if key in self._active:
            raise _Unresolved(f"circular property reference through $({name.strip()})")
        if len(self._active) >= MAX_EXPANSION_DEPTH:
            raise _TooDeep(f"properties nested over {MAX_EXPANSION_DEPTH} deep")
        raw = self._raw.get(key)
        if raw is None:
            raise _Unresolved(f"$({name.strip()}) is not defined in the files read")
        self._active.add(key)
        try:
            value: str | _Unresolved = self(raw)
        except _TooDeep:
            raise  # depends on where the expansion started: not remembered
        except _Unresolved as exc:
            value = exc
        finally:
            self._active.discard(key)
        # Remembering every other outcome keeps the work linear in the number of
        # properties; a failure through a cycle fails from any starting point.
        self._done[key] = value
        if isinstance(value, _Unresolved):
            raise value
        return value

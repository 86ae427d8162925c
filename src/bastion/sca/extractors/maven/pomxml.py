"""Maven ``pom.xml``: the declared dependencies of one module, as its effective model has them.

Roughly what ``mvn help:effective-pom`` does, without a repository:

1. Parents are read from the same repository (``<parent><relativePath>``, default
   ``../pom.xml``) when the file there has the parent's groupId and artifactId. Its
   version is not compared: CI-friendly versions (``${revision}``) make that comparison
   fail in perfectly normal multi-module builds. A parent that is not in the repository
   (``spring-boot-starter-parent``) cannot be read; what it would have supplied stays
   unresolved and the note says so.
2. Profiles with ``<activeByDefault>true</activeByDefault>`` are merged into the POM that
   declares them. Other profiles depend on the command line or the build machine and are
   left out.
3. Inheritance: properties, ``<dependencyManagement>`` and ``<dependencies>`` of the
   parents, the child winning for the same property or the same
   groupId:artifactId:type:classifier.
4. Interpolation of ``${...}`` from the merged properties and the ``project.*`` model
   values, recursively, with a depth limit, cycle detection and a size limit (properties
   that double at every level would otherwise be a billion-laughs attack).
5. ``<dependencyManagement>`` supplies version and scope to dependencies that lack them.

Every entry of ``<dependencies>`` (this file's and inherited ones) is reported as a direct
dependency: a POM has no transitive graph. Managed entries are constraints, not
dependencies, and are reported only when they import a BOM (``<scope>import</scope>``),
which the build does fetch; BOMs are reported for the file that declares them only, and
their contents are not read (they live in a remote repository). Plugin dependencies are
build tooling and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._xml import Element, parse_xml
from bastion.sca.extractors.base import ExtractInput, ExtractionError

_FILENAME = "pom.xml"
# Real hierarchies are two to four levels deep; the limit only stops runaway chains.
MAX_PARENTS = 16
MAX_EXPANSION_DEPTH = 32
MAX_EXPANDED_LENGTH = 4096
_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_META_VERSIONS = frozenset({"LATEST", "RELEASE"})
# Model values an expression may name after "project." (or the deprecated "pom.").
_MODEL_FIELDS = ("groupId", "artifactId", "version")


@dataclass(frozen=True, slots=True)
class _Dep:
    group_id: str
    artifact_id: str
    version: str | None
    scope: str | None
    optional: str | None
    type: str
    classifier: str
    line: int
    # The parent POM this entry comes from; None for the scanned file itself.
    origin: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.group_id, self.artifact_id, self.type, self.classifier


@dataclass(frozen=True, slots=True)
class _ParentRef:
    group_id: str
    artifact_id: str
    version: str | None
    # None: Maven's default ``../pom.xml``; "": look in the remote repository only.
    relative_path: str | None

    def __str__(self) -> str:
        return f"{self.group_id}:{self.artifact_id}:{self.version or '?'}"


@dataclass(slots=True)
class _Pom:
    path: PurePosixPath
    group_id: str | None
    artifact_id: str | None
    version: str | None
    parent: _ParentRef | None
    properties: dict[str, str] = field(default_factory=dict)
    managed: list[_Dep] = field(default_factory=list)
    dependencies: list[_Dep] = field(default_factory=list)


class _Unresolved(Exception):
    """A ``${...}`` expression that has no value; the message names it."""

    def __init__(self, message: str, *, undefined: bool = False) -> None:
        super().__init__(message)
        # True when a property is simply not defined: a parent POM outside the
        # repository may well define it.
        self.undefined = undefined


class _TooDeep(_Unresolved):
    pass


class PomXmlExtractor:
    name: ClassVar[str] = "maven/pomxml"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == _FILENAME

    def extract(self, source: ExtractInput) -> list[Dependency]:
        pom = _read_pom(parse_xml(source.data), source.path)
        parents, parent_problem = _parents(pom, source.read_relative)

        properties: dict[str, str] = {}
        # Eldest first, so that nearer POMs overwrite what they redefine.
        for ancestor in reversed(parents):
            properties.update(ancestor.properties)
        properties.update(pom.properties)
        resolver = _Resolver(properties, pom)

        # Nearest first; the first entry for an (interpolated) key wins. Maven merges
        # inherited entries by key and injects management after interpolation.
        lineage = [(pom, None), *((parent, str(parent.path)) for parent in parents)]
        managing: dict[tuple[str, str, str, str], tuple[_Dep, _Dep]] = {}
        boms: list[str] = []
        declared: dict[tuple[str, str, str, str], list[tuple[_Dep, _Dep]]] = {}
        for member, origin in lineage:
            for raw in member.managed:
                dep = resolver.dependency(raw)
                managing.setdefault(dep.key, (replace(raw, origin=origin), dep))
                if dep.scope == "import":
                    boms.append(f"{dep.group_id}:{dep.artifact_id}:{dep.version or '?'}")
            own: dict[tuple[str, str, str, str], list[tuple[_Dep, _Dep]]] = {}
            for raw in member.dependencies:
                dep = resolver.dependency(raw)
                own.setdefault(dep.key, []).append((replace(raw, origin=origin), dep))
            for key, entries in own.items():
                # A POM that lists a key twice keeps both (the file lists both); a
                # parent's entry for a key the child lists is overridden.
                declared.setdefault(key, entries)

        where = str(source.path)
        found: list[Dependency] = []
        # The file's own dependencies in file order, then inherited ones, as Maven's
        # effective model orders them.
        ordered = sorted(
            (entry for entries in declared.values() for entry in entries),
            key=lambda entry: (_depth(entry[0], lineage), entry[0].line),
        )
        for raw, interpolated in ordered:
            dep = interpolated
            problems = resolver.problems(raw)
            entry = managing.get(dep.key)
            if entry is not None:
                managed_raw, managed_dep = entry
                if raw.scope is None:
                    dep = replace(dep, scope=managed_dep.scope)
                if raw.version is None:
                    dep = replace(dep, version=managed_dep.version)
                    problems.extend(resolver.problems(managed_raw, only=("version",)))
            notes = _explain(problems, parent_problem)
            if raw.version is None and dep.version is None and not notes:
                notes.append(_missing_version(parent_problem, boms))
            found.append(self._dependency(dep, notes, where, raw.origin, raw.line))

        # Imported BOMs are fetched by the build: a vulnerable BOM version is worth seeing.
        for raw in pom.managed:
            dep = resolver.dependency(raw)
            if dep.scope == "import":
                notes = _explain(resolver.problems(raw), parent_problem)
                found.append(self._dependency(dep, notes, where, None, raw.line))
        return found

    def _dependency(
        self, dep: _Dep, problems: list[str], where: str, origin: str | None, line: int
    ) -> Dependency:
        name = f"{dep.group_id}:{dep.artifact_id}"
        exact, version_note = _exact_version(dep.version)
        notes = [*problems, *([version_note] if version_note else [])]
        if origin is not None:
            notes.insert(0, f"inherited from parent POM {origin} (line {line})")
        return Dependency(
            name=name,
            version=exact,
            ecosystem=Ecosystem.MAVEN,
            direct=True,
            source=where,
            line=None if origin is not None else line,
            extractor=self.name,
            group=_group(dep.scope, dep.optional),
            path=(name,),
            note="; ".join(notes) or None,
        )


def _read_pom(root: Element, path: PurePosixPath) -> _Pom:
    if root.tag != "project":
        raise ExtractionError(f"the root element is <{root.tag}>, not <project>", root.line)
    parent: _ParentRef | None = None
    parent_element = root.find("parent")
    if parent_element is not None:
        group_id = parent_element.findtext("groupId")
        artifact_id = parent_element.findtext("artifactId")
        if not group_id or not artifact_id:
            raise ExtractionError("<parent> needs a groupId and an artifactId", parent_element.line)
        parent = _ParentRef(
            group_id,
            artifact_id,
            parent_element.findtext("version") or None,
            parent_element.findtext("relativePath"),
        )
    pom = _Pom(
        path=path,
        group_id=root.findtext("groupId") or None,
        artifact_id=root.findtext("artifactId") or None,
        version=root.findtext("version") or None,
        parent=parent,
    )
    _merge_section(pom, root)
    for profile in root.descend("profiles", "profile"):
        activation = profile.descend("activation", "activeByDefault")
        if any(flag.text.lower() == "true" for flag in activation):
            _merge_section(pom, profile)
    return pom


def _merge_section(pom: _Pom, section: Element) -> None:
    """Add what a ``<project>`` or an active ``<profile>`` declares."""
    for properties in section.findall("properties"):
        for prop in properties.children:
            pom.properties[prop.tag] = prop.text
    pom.managed.extend(
        _dep(element)
        for element in section.descend("dependencyManagement", "dependencies", "dependency")
    )
    pom.dependencies.extend(
        _dep(element) for element in section.descend("dependencies", "dependency")
    )


def _dep(element: Element) -> _Dep:
    group_id = element.findtext("groupId")
    artifact_id = element.findtext("artifactId")
    if not group_id or not artifact_id:
        raise ExtractionError("<dependency> needs a groupId and an artifactId", element.line)
    return _Dep(
        group_id=group_id,
        artifact_id=artifact_id,
        version=element.findtext("version") or None,
        scope=element.findtext("scope") or None,
        optional=element.findtext("optional") or None,
        type=element.findtext("type") or "jar",
        classifier=element.findtext("classifier") or "",
        line=element.line,
    )


def _parents(
    pom: _Pom, read: Callable[[PurePosixPath], bytes | None]
) -> tuple[list[_Pom], str | None]:
    """The parent POMs found in the repository, nearest first, and why the chain stops
    early (None when it reaches a POM without a parent)."""
    parents: list[_Pom] = []
    seen = {_normalise(pom.path)}
    current = pom
    while current.parent is not None:
        ref = current.parent
        if len(parents) >= MAX_PARENTS:
            return parents, f"more than {MAX_PARENTS} parent POMs; stopped at {ref}"
        if ref.relative_path == "":
            return parents, f"parent POM {ref} is not in the repository (empty relativePath)"
        found = _find_parent(current.path, ref, read)
        if isinstance(found, str):
            return parents, found
        path, data = found
        if path in seen:
            return parents, f"parent POM {path} is part of a cycle"
        seen.add(path)
        try:
            parent = _read_pom(parse_xml(data), path)
        except ExtractionError as exc:
            return parents, f"parent POM {path} is unreadable ({exc.message})"
        group_id = parent.group_id or (parent.parent.group_id if parent.parent else None)
        if (group_id, parent.artifact_id) != (ref.group_id, ref.artifact_id):
            return parents, (
                f"parent POM {ref} is not in the repository ({path} is "
                f"{group_id}:{parent.artifact_id})"
            )
        parents.append(parent)
        current = parent
    return parents, None


def _find_parent(
    child: PurePosixPath, ref: _ParentRef, read: Callable[[PurePosixPath], bytes | None]
) -> tuple[PurePosixPath, bytes] | str:
    relative = ref.relative_path if ref.relative_path is not None else "../pom.xml"
    target = _normalise(child.parent / relative.replace("\\", "/"))
    if target.parts[:1] == ("..",):
        return f"parent POM {ref} is not in the repository ({relative} leads outside it)"
    # relativePath may name the parent's directory instead of its pom.xml.
    for candidate in (target, target / _FILENAME):
        data = read(candidate)
        if data is not None:
            return candidate, data
    return f"parent POM {ref} is not in the repository (nothing at {target})"


def _normalise(path: PurePosixPath) -> PurePosixPath:
    """Resolve ``..`` without the filesystem; a leading ``..`` means outside the repo."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            else:
                parts.append(part)
        elif part not in (".", "/", ""):
            parts.append(part)
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


class _Resolver:
    """``${...}`` interpolation over one effective model, memoised per property."""

    def __init__(self, properties: dict[str, str], pom: _Pom) -> None:
        self._raw = dict(properties)
        parent = pom.parent
        # The model values Maven fills in by inheritance.
        model = {
            "groupId": pom.group_id or (parent.group_id if parent else None),
            "artifactId": pom.artifact_id,
            "version": pom.version or (parent.version if parent else None),
        }
        for key, value in model.items():
            if value is not None:
                for prefix in ("project.", "pom."):
                    self._raw.setdefault(f"{prefix}{key}", value)
                # Unprefixed model expressions are deprecated but still honoured.
                self._raw.setdefault(key, value)
        if parent is not None:
            for key, value in (
                ("groupId", parent.group_id),
                ("artifactId", parent.artifact_id),
                ("version", parent.version),
            ):
                if value is not None:
                    self._raw.setdefault(f"project.parent.{key}", value)
                    self._raw.setdefault(f"parent.{key}", value)
        self._done: dict[str, str | _Unresolved] = {}
        self._active: set[str] = set()

    def dependency(self, dep: _Dep) -> _Dep:
        """``dep`` with every field interpolated; fields that cannot be become None
        (groupId and artifactId keep their text, so the package stays recognisable)."""
        return replace(
            dep,
            group_id=self._try(dep.group_id) or dep.group_id,
            artifact_id=self._try(dep.artifact_id) or dep.artifact_id,
            version=self._try(dep.version),
            scope=_strip(self._try(dep.scope)),
            optional=_strip(self._try(dep.optional)),
            type=self._try(dep.type) or dep.type,
            classifier=self._try(dep.classifier) or "",
        )

    def problems(
        self, dep: _Dep, only: tuple[str, ...] = ("groupId", "artifactId", "version", "scope")
    ) -> list[_Unresolved]:
        """Why fields of ``dep`` that matter for the result could not be interpolated."""
        found: list[_Unresolved] = []
        for what, value in (
            ("groupId", dep.group_id),
            ("artifactId", dep.artifact_id),
            ("version", dep.version),
            ("scope", dep.scope),
        ):
            if value is None or what not in only:
                continue
            try:
                self.expand(value)
            except _Unresolved as exc:
                if what != "version" or not _REFERENCE.fullmatch(value.strip()):
                    exc = _Unresolved(f"{what} {value!r}: {exc}", undefined=exc.undefined)
                found.append(exc)
        return found

    def _try(self, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return self.expand(value)
        except _Unresolved:
            return None

    def expand(self, text: str) -> str:
        if "${" not in text:
            return text
        expanded = _REFERENCE.sub(lambda match: self._property(match.group(1).strip()), text)
        if "${" in expanded:
            raise _Unresolved(f"unterminated expression in {text!r}")
        if len(expanded) > MAX_EXPANDED_LENGTH:
            raise _Unresolved(f"expands to over {MAX_EXPANDED_LENGTH} characters")
        return expanded

    def _property(self, name: str) -> str:
        done = self._done.get(name)
        if isinstance(done, str):
            return done
        if done is not None:
            raise done
        if name in self._active:
            raise _Unresolved(f"circular property reference through ${{{name}}}")
        if len(self._active) >= MAX_EXPANSION_DEPTH:
            raise _TooDeep(f"properties nested over {MAX_EXPANSION_DEPTH} deep")
        raw = self._raw.get(name)
        if raw is None:
            raise _Unresolved(_undefined(name), undefined=name.partition(".")[0] != "env")
        self._active.add(name)
        try:
            value: str | _Unresolved = self.expand(raw)
        except _TooDeep:
            # Depends on where the expansion started, so it is not remembered.
            raise
        except _Unresolved as exc:
            value = exc
        finally:
            self._active.discard(name)
        # Remembering every other outcome keeps the work linear in the number of
        # properties. A failure through a cycle is one from any starting point: whatever
        # reaches a property that is still being expanded lies on a cycle with it.
        self._done[name] = value
        if isinstance(value, _Unresolved):
            raise value
        return value


def _undefined(name: str) -> str:
    if name.startswith("env."):
        return f"${{{name}}} comes from the build machine's environment"
    if name.partition(".")[0] in ("settings", "session", "java", "user", "os", "maven"):
        return f"${{{name}}} comes from the build machine or the command line"
    return f"${{{name}}} is not defined"


def _explain(problems: list[_Unresolved], parent_problem: str | None) -> list[str]:
    notes = [str(problem) for problem in problems]
    if parent_problem is not None and any(problem.undefined for problem in problems):
        notes.append(parent_problem)
    return notes


def _depth(dep: _Dep, lineage: list[tuple[_Pom, str | None]]) -> int:
    for depth, (_, origin) in enumerate(lineage):
        if origin == dep.origin:
            return depth
    return len(lineage)


def _strip(value: str | None) -> str | None:
    return None if value is None else value.strip()


def _missing_version(parent_problem: str | None, boms: list[str]) -> str:
    if boms:
        return (
            "no version here or in the managed dependencies read; it probably comes from "
            f"an imported BOM ({', '.join(boms)}), which is not read"
        )
    if parent_problem is not None:
        return f"no version here, and {parent_problem}"
    return "no version declared"


def _exact_version(version: str | None) -> tuple[str | None, str | None]:
    """(the version to report, a note when there is none)."""
    if version is None:
        return None, None
    version = version.strip()
    if not version:
        return None, "empty version"
    if version.startswith(("[", "(")):
        inner = version[1:-1].strip()
        # "[1.5]" is Maven's way to pin exactly 1.5.
        if version.startswith("[") and version.endswith("]") and inner and "," not in inner:
            return inner, None
        return None, f"version range {version}, not resolved"
    if version in _META_VERSIONS:
        return None, f"meta-version {version}, not resolved"
    return version, None


def _group(scope: str | None, optional: str | None) -> str | None:
    """The scope when it keeps the package out of the normal runtime classpath, else
    "optional" for optional dependencies (which consumers do not receive)."""
    scope = (scope or "").strip()
    if scope and scope != "compile":
        return scope
    if (optional or "").strip() == "true":
        return "optional"
    return None

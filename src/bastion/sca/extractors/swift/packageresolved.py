"""SwiftPM ``Package.resolved``, format versions 1, 2 and 3.

Version 1 nests ``pins`` under ``object``, each with ``package``, ``repositoryURL`` and
``state``; versions 2 and 3 (3 adds ``originHash``) list ``pins`` with ``identity``,
``kind`` (``remoteSourceControl``, ``localSourceControl``, ``registry``), ``location``
and ``state``. ``state`` holds ``version``, ``revision`` and, for branch pins, ``branch``.

Packages are named as OSV's SwiftURL ecosystem names them: the repository URL without
scheme, user and ``.git`` (``github.com/apple/swift-nio``). A pin to a branch or a bare
revision has no version. Registry and local packages have no such URL and keep their
identity.

The file is flat. Direct dependencies are the ones the manifest declares: the
``.package(url: ...)`` calls of ``Package.swift`` beside it, or, for the file Xcode keeps
inside ``X.xcodeproj``, the package references of ``project.pbxproj``. Without either,
nothing is known to be direct.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._json import kind, load_json
from bastion.sca.extractors.base import ExtractInput, ExtractionError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/]*@)?")
_SCP = re.compile(r"^[^@/:]+@(?P<host>[^:/]+):(?P<path>.+)$")  # git@github.com:owner/repo
_MANIFEST_URL = re.compile(r"\burl\s*:\s*\"([^\"]+)\"")
_REGISTRY_ID = re.compile(r"\.package\s*\(\s*id\s*:\s*\"([^\"]+)\"")
_PBXPROJ_URL = re.compile(r"\brepositoryURL\s*=\s*\"([^\"]+)\"")
_PIN_LINE = re.compile(r'^\s*"(?:identity|package)"\s*:', re.MULTILINE)


class PackageResolvedExtractor:
    name: ClassVar[str] = "swift/packageresolved"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "Package.resolved"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        doc = load_json(text)
        if not isinstance(doc, dict):
            raise ExtractionError(f"Package.resolved should be an object, got {kind(doc)}")
        version = doc.get("version")
        if version == 1:
            container = doc.get("object")
            if not isinstance(container, dict):
                raise ExtractionError("version 1 needs an 'object' with 'pins'")
            pins = container.get("pins")
        elif version in (2, 3):
            pins = doc.get("pins")
        else:
            raise ExtractionError(f"unsupported Package.resolved version {version!r}")
        if not isinstance(pins, list):
            raise ExtractionError(f"'pins' should be an array, got {kind(pins)}")
        # One "identity"/"package" key per pin, in order; trusted only if the counts agree.
        lines = [text.count("\n", 0, m.start()) + 1 for m in _PIN_LINE.finditer(text)]
        if len(lines) != len(pins):
            lines = []
        declared = _declared(source)

        where = str(source.path)
        found: list[Dependency] = []
        for index, pin in enumerate(pins):
            line = lines[index] if lines else None
            name, version_found, note, group = _pin(pin, version == 1, line)
            is_direct = declared is not None and name.lower() in declared
            found.append(
                Dependency(
                    name=name,
                    version=version_found,
                    ecosystem=Ecosystem.SWIFTURL,
                    direct=is_direct,
                    source=where,
                    line=line,
                    extractor=self.name,
                    group=group,
                    path=(name,) if is_direct else (),
                    note=note,
                )
            )
        return found


def _pin(pin: object, v1: bool, line: int | None) -> tuple[str, str | None, str | None, str | None]:
    """(name, version, note, group) of one pin."""
    if not isinstance(pin, dict):
        raise ExtractionError(f"a pin should be an object, got {kind(pin)}", line)
    identity = pin.get("package" if v1 else "identity")
    location = pin.get("repositoryURL" if v1 else "location")
    pin_kind = "remoteSourceControl" if v1 else pin.get("kind")
    state = pin.get("state")
    if not isinstance(identity, str) or not identity:
        raise ExtractionError("a pin has no " + ("'package'" if v1 else "'identity'"), line)
    if not isinstance(location, str):
        raise ExtractionError(f"pin {identity} has no location", line)
    if not isinstance(state, dict):
        raise ExtractionError(f"pin {identity} has no 'state' object", line)
    version, revision, branch = (state.get(k) for k in ("version", "revision", "branch"))
    for label, value in (("version", version), ("revision", revision), ("branch", branch)):
        if value is not None and not isinstance(value, str):
            raise ExtractionError(f"'{label}' of pin {identity} should be a string", line)

    notes: list[str] = []
    group: str | None = None
    match pin_kind:
        case "remoteSourceControl":
            name = swift_url(location) or identity
        case "localSourceControl":
            name, group = identity, "local"
            notes.append(f"local git repository {location}")
        case "registry":
            name = identity
            notes.append(f"from a package registry as {identity}, not a repository URL")
        case _:
            raise ExtractionError(f"pin {identity} has an unknown kind {pin_kind!r}", line)
    if not version:
        version = None
        if branch:
            notes.append(f"branch {branch} at revision {revision or '?'}, no version")
        else:
            notes.append(f"revision {revision or '?'}, no version")
    return name, version, "; ".join(notes) or None, group


def swift_url(url: str) -> str:
    """A repository URL as OSV's SwiftURL names it: ``github.com/owner/repo``."""
    url = url.strip()
    scp = _SCP.match(url)
    if scp is not None and "://" not in url:
        url = f"{scp['host']}/{scp['path']}"
    else:
        url = _SCHEME.sub("", url)
    return url.rstrip("/").removesuffix(".git").rstrip("/")


def _declared(source: ExtractInput) -> set[str] | None:
    """Lower-cased names of the declared packages, or None when no manifest is found."""
    manifest = source.sibling("Package.swift")
    pattern = _MANIFEST_URL
    if manifest is None:
        # Xcode: X.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved
        parents = source.path.parents
        if len(parents) >= 4 and parents[3].name.endswith(".xcodeproj"):
            manifest = source.read_relative(parents[3] / "project.pbxproj")
            pattern = _PBXPROJ_URL
    if manifest is None:
        return None
    text = manifest.decode("utf-8", "replace")
    declared: set[str] = set()
    for url in pattern.findall(text):
        name = swift_url(url).lower()
        # Local repositories are pinned under their identity: the last path component.
        declared.update((name, name.rsplit("/", 1)[-1]))
    declared.update(identity.lower() for identity in _REGISTRY_ID.findall(text))
    return declared

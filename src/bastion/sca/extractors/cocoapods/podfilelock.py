"""CocoaPods ``Podfile.lock``.

A YAML mapping. ``PODS`` lists every installed pod as ``"Name (1.2.3)"``, or as a one-key
mapping from that string to the pod's own requirements. ``DEPENDENCIES`` lists what the
Podfile asks for; ``EXTERNAL SOURCES`` and ``CHECKOUT OPTIONS`` say which pods come from a
git repository or a local path, and ``SPEC REPOS`` which come from a spec repository other
than the public trunk.

A subspec (``Firebase/Core``) is part of its pod: one podspec, one download, one version.
Subspecs are reported as their pod (``Firebase``), once per version, with the subspecs in
the note, because advisories name pods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._graph import shortest_paths
from bastion.sca.extractors._yaml import item_lines, load_all
from bastion.sca.extractors.base import ExtractInput, ExtractionError

_ENTRY = re.compile(r"(?P<name>[^\s()]+)(?: \((?P<version>[^()]*)\))?")
_TRUNK = frozenset(
    {"trunk", "https://github.com/CocoaPods/Specs.git", "https://cdn.cocoapods.org/"}
)


@dataclass(slots=True)
class _Pod:
    name: str
    version: str
    line: int | None
    subspecs: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)


class PodfileLockExtractor:
    name: ClassVar[str] = "cocoapods/podfilelock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "Podfile.lock"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        documents = load_all(source.text())
        if not documents or documents[0].data is None:
            return []
        if len(documents) > 1:
            raise ExtractionError("expected one YAML document, found several")
        doc = documents[0].data
        if not isinstance(doc, dict):
            raise ExtractionError("Podfile.lock should be a mapping")
        pods = _pods(doc.get("PODS"), item_lines(documents[0], "PODS"))
        direct = _direct(doc.get("DEPENDENCIES"))
        origins = _origins(doc)

        by_name: dict[str, list[_Pod]] = {}
        for pod in pods:
            by_name.setdefault(pod.name, []).append(pod)
        edges = {name: [n for p in group for n in p.needs] for name, group in by_name.items()}
        roots = [name for name in direct if name in by_name]
        paths = _shortest_paths(roots, edges)

        where = str(source.path)
        found: list[Dependency] = []
        for pod in pods:
            notes: list[str] = []
            origin = origins.get(pod.name)
            if origin is not None:
                notes.append(origin)
            if pod.subspecs:
                notes.append(f"subspecs {', '.join(pod.subspecs)}")
            is_direct = pod.name in direct
            found.append(
                Dependency(
                    name=pod.name,
                    version=pod.version,
                    ecosystem=Ecosystem.COCOAPODS,
                    direct=is_direct,
                    source=where,
                    line=pod.line,
                    extractor=self.name,
                    group="local"
                    if origin is not None and origin.startswith("from path")
                    else None,
                    path=paths.get(pod.name, ()),
                    note="; ".join(notes) or None,
                )
            )
        return found


def _pods(raw: object, lines: list[int]) -> list[_Pod]:
    """The pods of ``PODS``; ``lines`` has the line of each item, or is empty."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ExtractionError("'PODS' should be a list")
    pods: list[_Pod] = []
    merged: dict[tuple[str, str], _Pod] = {}
    for index, raw_item in enumerate(raw):
        line = lines[index] if lines else None
        item, needs = raw_item, list[object]()
        if isinstance(raw_item, dict) and len(raw_item) == 1:
            [(item, requirements)] = raw_item.items()
            if not isinstance(requirements, list):
                raise ExtractionError(f"requirements of {item!r} should be a list", line)
            needs = requirements
        if not isinstance(item, str):
            raise ExtractionError("a PODS entry should be 'Name (version)'", line)
        match = _ENTRY.fullmatch(item)
        if match is None or not match["version"]:
            raise ExtractionError(f"PODS entry {item!r} should be 'Name (version)'", line)
        full_name, version = match["name"], match["version"]
        name, _, subspec = full_name.partition("/")
        pod = merged.get((name, version))
        if pod is None:
            pod = _Pod(name, version, line)
            merged[name, version] = pod
            pods.append(pod)
        if subspec and subspec not in pod.subspecs:
            pod.subspecs.append(subspec)
        for need in needs:
            if not isinstance(need, str) or (found := _ENTRY.fullmatch(need)) is None:
                raise ExtractionError(f"requirement {need!r} of {item} is malformed", line)
            root = found["name"].split("/", 1)[0]
            if root != name and root not in pod.needs:
                pod.needs.append(root)
    return pods


def _direct(raw: object) -> dict[str, None]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ExtractionError("'DEPENDENCIES' should be a list")
    direct: dict[str, None] = {}
    for item in raw:
        # "Name", "Name (~> 1.0)", "Name (from `../path`)"
        if not isinstance(item, str) or not item.strip():
            raise ExtractionError(f"DEPENDENCIES entry {item!r} should be a string")
        direct[item.split(" ", 1)[0].split("/", 1)[0]] = None
    return direct


def _origins(doc: dict[object, object]) -> dict[str, str]:
    """Pod name -> where it came from, for pods not from the public trunk."""
    origins: dict[str, str] = {}
    repos = doc.get("SPEC REPOS")
    if isinstance(repos, dict):
        for repo, names in repos.items():
            if str(repo) not in _TRUNK and isinstance(names, list):
                for name in names:
                    origins[str(name)] = f"from spec repo {repo}"
    external = doc.get("EXTERNAL SOURCES")
    checkout = doc.get("CHECKOUT OPTIONS")
    checkouts = checkout if isinstance(checkout, dict) else {}
    if isinstance(external, dict):
        for name, options in external.items():
            if not isinstance(options, dict):
                raise ExtractionError(f"EXTERNAL SOURCES of {name} should be a mapping")
            pinned = checkouts.get(name)
            pinned = pinned if isinstance(pinned, dict) else {}
            if ":git" in options:
                commit = pinned.get(":commit") or options.get(":commit")
                where = f"from git {options[':git']}"
                where += f"@{commit}" if commit else ""
                for ref in (":tag", ":branch"):
                    if ref in options:
                        where += f" ({ref[1:]} {options[ref]})"
                origins[str(name)] = where
            elif ":path" in options:
                origins[str(name)] = f"from path {options[':path']}"
            elif ":podspec" in options:
                origins[str(name)] = f"from podspec {options[':podspec']}"
            else:
                origins[str(name)] = "from an external source"
    return origins


def _shortest_paths(roots: list[str], edges: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    # Only pods the lockfile lists are nodes; a dependency on an unlisted pod is no edge.
    return shortest_paths(
        roots, lambda name: (need for need in edges.get(name, ()) if need in edges), str
    )

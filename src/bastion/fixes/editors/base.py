"""The interface every manifest editor implements, and what it is given and returns.

An editor is handed the bytes of one manifest and the packages to raise in it; it returns
the new bytes with only those versions changed (every other byte as it was) plus what it
changed and what it left alone, with a reason. It never reads files or talks to GitHub.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar, Protocol

from bastion.ecosystems import Ecosystem
from bastion.versions import compare_versions

_BOM = b"\xef\xbb\xbf"


class EditError(Exception):
    """The manifest cannot be edited safely: it does not parse, or an edit would have
    changed more than the versions it was meant to."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One installed version of a package, as the scan found it."""

    installed: str
    # The lowest release that fixes every advisory (with a fix) on ``installed``.
    fixed: str
    direct: bool
    # The file the scan read it from: a lockfile, or the manifest itself.
    source: str


@dataclass(frozen=True, slots=True)
class Bump:
    """Raise ``package`` in one manifest: every occurrence the scan found behind it."""

    ecosystem: Ecosystem
    package: str
    # The one release that clears every fixable advisory of the package
    # (:func:`bastion.reports.remediation.plan`'s target).
    target: str
    advisories: tuple[str, ...]
    occurrences: tuple[Occurrence, ...]

    def direct_target(self) -> str:
        """The release a declaration of the package moves to: the highest fix among its
        direct occurrences, or ``target`` when the scan flagged none as direct."""
        direct = [o.fixed for o in self.occurrences if o.direct]
        return highest(self.ecosystem, direct) if direct else self.target

    def fixed_for(self, installed: str) -> str:
        """The fix for one installed version; ``target`` for a version the scan did not see."""
        for occurrence in self.occurrences:
            if compare_versions(self.ecosystem, occurrence.installed, installed) == 0:
                return occurrence.fixed
        return self.target


@dataclass(frozen=True, slots=True)
class Change:
    """One edit, as written in the file before and after (``^4.17.15`` → ``^4.17.21``)."""

    package: str
    before: str
    after: str
    # Added to (or changed in) ``overrides``/``resolutions`` rather than the declaration.
    override: bool = False
    # What the edit applies to when it is narrower than the package ("cookie@0.3.1").
    selector: str | None = None


@dataclass(frozen=True, slots=True)
class Skip:
    """A bump the editor did not make, and why (shown in the pull request)."""

    package: str
    reason: str


@dataclass(frozen=True, slots=True)
class EditResult:
    data: bytes
    changes: tuple[Change, ...]
    skipped: tuple[Skip, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


class ManifestEditor(Protocol):
    #: ``<ecosystem>/<file>``, unique across the registry.
    name: ClassVar[str]
    ecosystem: ClassVar[Ecosystem]

    def manifest_for(self, source: PurePosixPath) -> PurePosixPath | None:
        """The manifest that declares what the scan found in ``source`` (a lockfile or
        the manifest itself), or None when this editor has nothing to do with it."""
        ...

    def edit(self, path: PurePosixPath, data: bytes, bumps: Sequence[Bump]) -> EditResult:
        """Raise the ``bumps`` in the manifest ``data``. Raises only :class:`EditError`."""
        ...


def highest(ecosystem: Ecosystem, versions: Sequence[str]) -> str:
    best = versions[0]
    for version in versions[1:]:
        if compare_versions(ecosystem, version, best) > 0:
            best = version
    return best


def decode(path: PurePosixPath, data: bytes) -> tuple[str, bytes]:
    """(text, BOM to put back) of a UTF-8 manifest."""
    bom = _BOM if data.startswith(_BOM) else b""
    try:
        return data[len(bom) :].decode("utf-8"), bom
    except UnicodeDecodeError as exc:
        raise EditError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def encode(text: str, bom: bytes) -> bytes:
    return bom + text.encode("utf-8")

"""pip requirements files (``requirements*.txt``, ``requirements/*.txt``).

Versions follow the rule in ``_shared``: one ``==``/``===`` clause is a pin, one ``>=``,
``~=`` or ``<=`` clause is reported as an approximate version with a note, anything else
has no version and a note, so it stays visible. Line handling follows pip's
``req_file.py``: continuation lines are joined first, then comments are stripped, then
per-requirement options are cut off. Environment markers are kept but not evaluated.

Includes (``-r``/``--requirement``) and constraints (``-c``/``--constraint``) are
resolved relative to the file that names them, through the walker:

* An included requirements file is read only when this extractor does not ``want`` it
  (``base.in``, ``requirements/common.pip``): the walker visits the others by itself,
  and reading them here too would report their packages twice. Its packages are reported
  with its own path and line numbers.
* A constraints file is always read, but only lends exact pins to packages the
  requirements name without one; a constraint never adds a package. As with pip, a
  constraint anywhere applies to every requirement of the file and its includes.
* A missing, unreadable or remote include is logged and skipped; cycles are cut.
"""

from __future__ import annotations

import logging
import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput
from bastion.sca.extractors.pypi._shared import (
    UNPINNED,
    Pin,
    normalize,
    parse_requirement,
    short,
)

__all__ = ["UNPINNED", "RequirementsExtractor"]

logger = logging.getLogger(__name__)

# pip's COMMENT_RE: "#" starts a comment only at the start or after whitespace, so URL
# fragments such as "#egg=name" survive.
_COMMENT = re.compile(r"(^|\s+)#.*$")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^(git|hg|svn|bzr)\+")
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".tar")
# (short option, long option, is a constraints file)
_INCLUDE_OPTIONS = (("-r", "--requirement", False), ("-c", "--constraint", True))
# Enough for any real layout; a generated maze of includes stops here.
_MAX_FILES = 100


@dataclass(frozen=True, slots=True)
class _Line:
    name: str
    pin: Pin
    # A registry requirement, which a constraints file may pin; not a URL or editable.
    constrainable: bool


class RequirementsExtractor:
    name: ClassVar[str] = "pypi/requirements"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        filename = path.name.lower()
        if not filename.endswith(".txt"):
            return False
        return "requirements" in filename or path.parent.name.lower() == "requirements"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        walk = _Walk(self, source)
        walk.read(source.path, source.text(), as_constraints=False)
        return walk.result()


class _Walk:
    """One file and everything it includes."""

    def __init__(self, extractor: RequirementsExtractor, source: ExtractInput) -> None:
        self.extractor = extractor
        self.source = source
        self.visited: set[tuple[str, bool]] = {(str(source.path), False)}
        self.found: list[tuple[Dependency, bool]] = []  # (dependency, constrainable)
        self.constraints: dict[str, tuple[str, str]] = {}  # normalised name -> (pin, where)

    def read(self, path: PurePosixPath, text: str, *, as_constraints: bool) -> None:
        where = str(path)
        for line_number, line in _logical_lines(text):
            include = _include(line)
            if include is not None:
                is_constraint, target = include
                self._follow(path, target, as_constraints=as_constraints or is_constraint)
                continue
            parsed = _parse_line(line)
            if parsed is None:
                continue
            if as_constraints:
                if parsed.pin.version is not None and not parsed.pin.approximate:
                    self.constraints.setdefault(
                        normalize(parsed.name), (parsed.pin.version, f"{where}:{line_number}")
                    )
                continue
            dependency = Dependency(
                name=parsed.name,
                version=parsed.pin.version,
                ecosystem=Ecosystem.PYPI,
                direct=True,
                source=where,
                line=line_number,
                extractor=self.extractor.name,
                path=(parsed.name,),
                note=parsed.pin.note,
                approximate=parsed.pin.approximate,
            )
            self.found.append((dependency, parsed.constrainable))

    def _follow(self, including: PurePosixPath, target: str, *, as_constraints: bool) -> None:
        if "://" in target or "${" in target:
            logger.warning("%s: not following include %r (remote or templated)", including, target)
            return
        resolved = _resolve(including, target)
        if resolved is None:
            logger.warning("%s: include %r is outside the scanned tree", including, target)
            return
        if not as_constraints and self.extractor.wants(resolved):
            return  # the walker extracts it on its own
        key = (str(resolved), as_constraints)
        if key in self.visited:
            return  # an include cycle, or a file included twice
        if len(self.visited) >= _MAX_FILES:
            logger.warning(
                "%s: more than %d included files, ignoring %s", including, _MAX_FILES, target
            )
            return
        self.visited.add(key)
        data = self.source.read_relative(resolved)
        if data is None:
            logger.warning("%s: included file %s not found", including, resolved)
            return
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            logger.warning("%s: included file %s is not UTF-8 text", including, resolved)
            return
        self.read(resolved, text, as_constraints=as_constraints)

    def result(self) -> list[Dependency]:
        return [self._constrained(dep) if ok else dep for dep, ok in self.found]

    def _constrained(self, dependency: Dependency) -> Dependency:
        pinned = self.constraints.get(normalize(dependency.name))
        if pinned is None or (dependency.version is not None and not dependency.approximate):
            return dependency
        version, where = pinned
        return replace(
            dependency,
            version=version,
            approximate=False,
            note=f"pinned by constraints file {where}",
        )


def _include(line: str) -> tuple[bool, str] | None:
    """(is a constraints file, target) of an ``-r``/``-c`` line."""
    for short_option, long_option, is_constraint in _INCLUDE_OPTIONS:
        if line.startswith(long_option):
            rest = line[len(long_option) :]
            if rest[:1] not in ("=", " ", "\t"):
                continue
            rest = rest[1:] if rest.startswith("=") else rest
        elif line.startswith(short_option):
            rest = line[len(short_option) :]
        else:
            continue
        try:
            words = shlex.split(rest)
        except ValueError:
            words = rest.split()
        return (is_constraint, words[0]) if words else None
    return None


def _resolve(including: PurePosixPath, target: str) -> PurePosixPath | None:
    """The repo-relative path of ``target`` named in ``including``; None outside the repo."""
    if target.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(str(including.parent), target))
    if joined == ".." or joined.startswith("../"):
        return None
    return PurePosixPath(joined)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first physical line number, text) of each non-empty line, comments removed."""
    pending: list[str] = []
    first = 0
    # pip uses str.splitlines(), which also breaks at form feeds and other rare
    # separators; counting only "\n" keeps line numbers the ones editors show.
    for number, physical in enumerate(text.split("\n"), start=1):
        raw = physical.removesuffix("\r")
        # Like pip: a line with a comment never continues, even if it ends in "\".
        if raw.endswith("\\") and not _COMMENT.search(raw):
            if not pending:
                first = number
            pending.append(raw[:-1])
            continue
        if pending:
            pending.append(raw)
            joined, start = "".join(pending), first
            pending = []
        else:
            joined, start = raw, number
        stripped = _COMMENT.sub("", joined).strip()
        if stripped:
            yield start, stripped
    if pending:
        # A file that ends in a continuation: pip takes what it has.
        stripped = _COMMENT.sub("", "".join(pending)).strip()
        if stripped:
            yield first, stripped


def _parse_line(line: str) -> _Line | None:
    """The package a requirement line names; None to skip it."""
    if line.startswith("-"):
        option, _, value = line.partition(" ")
        if option in ("-e", "--editable"):
            return _editable(value.strip())
        if option.startswith("--editable="):
            return _editable(option.partition("=")[2])
        if option.startswith("-e") and not option.startswith("--"):
            return _editable(option[2:])  # "-egit+https://...", as optparse allows
        # Index and install options declare no package.
        return None
    spec = _requirement_part(line)
    if spec.startswith("${"):
        return None  # the whole requirement comes from the environment
    if _URL_SCHEME.match(spec):
        egg = _EGG.search(spec)
        if egg is None:
            return None
        note = f"installed from a URL ({short(spec)}), {UNPINNED}"
        return _Line(egg.group(1), Pin(None, note), constrainable=False)
    if _is_local_path(spec):
        return None
    parsed = parse_requirement(spec)
    if parsed is None:
        return None
    name, pin = parsed
    # "name @ url" is not from an index: no constraint can pin it.
    return _Line(name, pin, constrainable="@" not in spec.partition(";")[0])


def _requirement_part(line: str) -> str:
    """The requirement without trailing per-requirement options (``--hash=...``).

    pip splits on single spaces and stops at the first token that starts with "-"; an
    environment marker never contains such a token.
    """
    kept: list[str] = []
    for token in line.split(" "):
        if token.startswith("-"):
            break
        kept.append(token)
    return " ".join(kept).strip()


def _is_local_path(spec: str) -> bool:
    """A directory or archive on disk (pip's ``_looks_like_path`` and archive check).

    Such a line names no registry package. ``name @ url`` is a PEP 508 requirement and
    contains "/" too, so it is ruled out first.
    """
    if "@" in spec.partition(";")[0]:
        return False
    return (
        "/" in spec
        or "\\" in spec
        or spec.startswith((".", "~"))
        or spec.lower().endswith(_ARCHIVE_SUFFIXES)
    )


def _editable(target: str) -> _Line | None:
    egg = _EGG.search(target)
    if egg is None:
        return None  # an editable local project: the project itself, not a dependency
    note = f"editable install from {short(target)}, {UNPINNED}"
    return _Line(egg.group(1), Pin(None, note), constrainable=False)

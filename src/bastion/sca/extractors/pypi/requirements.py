"""pip requirements files (``requirements*.txt``, ``requirements/*.txt``).

Only an exact pin (one ``==`` or ``===`` clause, no wildcard) names the installed version;
every other requirement is listed with no version and a note, so it stays visible.
Line handling follows pip's ``req_file.py``: continuation lines are joined first, then
comments are stripped, then per-requirement options are cut off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import ClassVar

from packaging.requirements import InvalidRequirement, Requirement

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput

# pip's COMMENT_RE: "#" starts a comment only at the start or after whitespace, so URL
# fragments such as "#egg=name" survive.
_COMMENT = re.compile(r"(^|\s+)#.*$")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_LEADING_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://|^(git|hg|svn|bzr)\+")
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".tar")
UNPINNED = "no pinned version"


class RequirementsExtractor:
    name: ClassVar[str] = "pypi/requirements"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        filename = path.name.lower()
        if not filename.endswith(".txt"):
            return False
        return "requirements" in filename or path.parent.name.lower() == "requirements"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        where = str(source.path)
        found: list[Dependency] = []
        for line_number, line in _logical_lines(source.text()):
            parsed = _parse_line(line)
            if parsed is None:
                continue
            name, version, note = parsed
            found.append(
                Dependency(
                    name=name,
                    version=version,
                    ecosystem=Ecosystem.PYPI,
                    direct=True,
                    source=where,
                    line=line_number,
                    extractor=self.name,
                    path=(name,),
                    note=note,
                )
            )
        return found


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


def _parse_line(line: str) -> tuple[str, str | None, str | None] | None:
    """(name, exact version or None, note) for a requirement line; None to skip it."""
    if line.startswith("-"):
        option, _, value = line.partition(" ")
        if option in ("-e", "--editable"):
            return _editable(value.strip())
        if option.startswith("--editable="):
            return _editable(option.partition("=")[2])
        if option.startswith("-e") and not option.startswith("--"):
            return _editable(option[2:])  # "-egit+https://...", as optparse allows
        # -r/-c includes (the walker finds every requirements file by itself), index and
        # install options: none of them declares a package.
        return None
    spec = _requirement_part(line)
    if _URL_SCHEME.match(spec):
        egg = _EGG.search(spec)
        if egg is None:
            return None
        return egg.group(1), None, f"installed from a URL ({_short(spec)}), {UNPINNED}"
    if _is_local_path(spec):
        return None
    try:
        requirement = Requirement(spec)
    except InvalidRequirement as exc:
        name = _LEADING_NAME.match(spec)
        if name is None:
            return None
        reason = str(exc).splitlines()[0] if str(exc) else "invalid"
        return name.group(0), None, f"unparseable requirement ({reason}), {UNPINNED}"
    if requirement.url:
        return (
            requirement.name,
            None,
            f"installed from a URL ({_short(requirement.url)}), {UNPINNED}",
        )
    clauses = list(requirement.specifier)
    if len(clauses) == 1 and clauses[0].operator in ("==", "===") and "*" not in clauses[0].version:
        return requirement.name, clauses[0].version, None
    return requirement.name, None, UNPINNED


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


def _editable(target: str) -> tuple[str, str | None, str | None] | None:
    egg = _EGG.search(target)
    if egg is None:
        return None  # an editable local project: the project itself, not a dependency
    return egg.group(1), None, f"editable install from {_short(target)}, {UNPINNED}"


def _short(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "..."

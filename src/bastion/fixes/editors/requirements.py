"""pip requirements files: raise ``==`` pins (and ``>=``/``~=`` lower bounds) in place.

Lines are read as pip and :mod:`bastion.sca.extractors.pypi.requirements` read them:
continuation lines are joined, comments stripped, per-requirement options cut off. Only
the version inside the matching clause is replaced (``Django==2.2  # web`` becomes
``Django==2.2.28  # web``): the name as written, extras, markers, comments and line
endings stay. The version of each line is raised to the fix for that very version, so
two lines for one package under different markers each get their own.

Left for a person, with the reason: lines pinned with ``--hash`` (the hashes of the new
release cannot be known without the index), URLs, and specifiers that are not one pin or
lower bound.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import PurePosixPath
from typing import ClassVar

from packaging.requirements import InvalidRequirement, Requirement

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.fixes.editors.base import (
    Bump,
    Change,
    EditResult,
    Skip,
    decode,
    encode,
)
from bastion.sca.extractors.pypi.requirements import RequirementsExtractor
from bastion.versions import compare_versions

_OPERATORS = ("===", "==", ">=", "~=")
# pip's comment rule: "#" starts a comment at the start of a line or after whitespace.
_COMMENT = re.compile(r"(^|\s+)#.*$")
# Files other formats include with -r that are requirements files all the same.
_INCLUDED_SUFFIXES = (".txt", ".in")


class RequirementsEditor:
    name: ClassVar[str] = "pypi/requirements"
    ecosystem: ClassVar[Ecosystem] = Ecosystem.PYPI

    def manifest_for(self, source: PurePosixPath) -> PurePosixPath | None:
        wanted = RequirementsExtractor().wants(source) or source.suffix in _INCLUDED_SUFFIXES
        return source if wanted else None

    def edit(self, path: PurePosixPath, data: bytes, bumps: Sequence[Bump]) -> EditResult:
        text, bom = decode(path, data)
        lines = text.split("\n")
        by_name = {_normalize(bump.package): bump for bump in bumps}
        changes: list[Change] = []
        skipped: list[Skip] = []
        found: set[str] = set()
        for first, last, logical in _logical_lines(lines):
            requirement = _requirement(logical)
            if requirement is None:
                continue
            bump = by_name.get(_normalize(requirement.name))
            if bump is None:
                continue
            found.add(_normalize(requirement.name))
            outcome = _raise_line(lines, (first, last), logical, requirement, bump)
            if isinstance(outcome, Skip):
                skipped.append(outcome)
            else:
                changes.append(outcome)
        for key, bump in by_name.items():
            if key not in found:
                skipped.append(Skip(bump.package, f"not required in {path}"))
        return EditResult(encode("\n".join(lines), bom), tuple(changes), tuple(skipped))


def _raise_line(
    lines: list[str],
    span: tuple[int, int],
    logical: str,
    requirement: Requirement,
    bump: Bump,
) -> Change | Skip:
    """Raise the version on the physical lines ``span`` (first, last; changed in place)."""
    first, last = span
    package = bump.package
    if requirement.url:
        return Skip(package, "installed from a URL")
    if "--hash" in logical:
        return Skip(package, "pinned with --hash: regenerate the file with its hashes")
    clauses = list(requirement.specifier)
    if len(clauses) != 1 or clauses[0].operator not in _OPERATORS or "*" in clauses[0].version:
        spec = str(requirement.specifier) or "no version"
        return Skip(package, f"{spec!r} is not one pin or lower bound: raise it by hand")
    operator, version = clauses[0].operator, clauses[0].version
    fixed = bump.fixed_for(version)
    if compare_versions(Ecosystem.PYPI, version, fixed) >= 0:
        return Skip(package, f"already requires {operator}{version}")
    clause = re.compile(rf"(?<![=!<>~]){re.escape(operator)}(\s*){re.escape(version)}(?![\w.+!-])")
    for index in range(first, last + 1):
        line = lines[index]
        comment = _COMMENT.search(line)
        code_end = comment.start() if comment else len(line)
        match = clause.search(line, 0, code_end)
        if match is None:
            continue
        edited = line[: match.start()] + f"{operator}{match.group(1)}{fixed}" + line[match.end() :]
        candidate = [*lines[first:index], edited, *lines[index + 1 : last + 1]]
        if not _only_version_changed(requirement, candidate, operator, fixed):
            return Skip(package, "its line could not be edited without changing more")
        lines[index] = edited
        return Change(package, f"{operator}{version}", f"{operator}{fixed}")
    return Skip(package, f"could not find {operator}{version} on its line")


def _only_version_changed(
    before: Requirement, physical: list[str], operator: str, fixed: str
) -> bool:
    """Whether the edited lines name the same requirement with only the version changed."""
    logical = next(_logical_lines(physical), None)
    after = _requirement(logical[2]) if logical is not None else None
    return (
        after is not None
        and _normalize(after.name) == _normalize(before.name)
        and after.extras == before.extras
        and str(after.marker) == str(before.marker)
        and [(c.operator, c.version) for c in after.specifier] == [(operator, fixed)]
    )


def _requirement(logical: str) -> Requirement | None:
    """The PEP 508 requirement a logical line names, without pip's trailing options."""
    if logical.startswith("-"):
        return None
    kept: list[str] = []
    for token in logical.split(" "):
        if token.startswith("-"):
            break
        kept.append(token)
    try:
        return Requirement(" ".join(kept).strip())
    except InvalidRequirement:
        return None


def _logical_lines(lines: list[str]) -> Iterator[tuple[int, int, str]]:
    """(first index, last index, text without comments) of each non-empty logical line."""
    pending: list[str] = []
    first = 0
    for index, physical in enumerate(lines):
        raw = physical.removesuffix("\r")
        # As pip: a line with a comment never continues, even if it ends in "\".
        if raw.endswith("\\") and not _COMMENT.search(raw):
            if not pending:
                first = index
            pending.append(raw[:-1])
            continue
        start = first if pending else index
        joined = "".join([*pending, raw])
        pending = []
        stripped = _COMMENT.sub("", joined).strip()
        if stripped:
            yield start, index, stripped
    if pending:
        stripped = _COMMENT.sub("", "".join(pending)).strip()
        if stripped:
            yield first, len(lines) - 1, stripped


def _normalize(name: str) -> str:
    return normalize_package_name(Ecosystem.PYPI, name)

"""``pyproject.toml``: raise PEP 508 requirements and Poetry constraints in place.

Requirements are edited where :mod:`bastion.sca.extractors.pypi.pyproject` reads them:
PEP 621 ``project.dependencies`` and ``project.optional-dependencies``, PEP 735
``dependency-groups``, uv's and PDM's dev dependencies, and Poetry's dependency tables
(``name = "^1.2"`` or ``name = { version = "^1.2", ... }``).

* A PEP 508 string keeps its name, extras, marker and spacing: a ``==`` pin is replaced,
  a ``>=``/``~=`` lower bound is raised when the other clauses still allow the fix, and
  a requirement without any version gets ``>=fix`` (so the lockfile cannot keep the
  vulnerable release).
* A Poetry constraint keeps its operator (``^2.2`` → ``^2.2.28``).

Packages the lockfile pulls in indirectly are not declared here; the pull request gives
the lockfile command that moves them (``uv lock --upgrade-package``, ``poetry update``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any, ClassVar

from packaging.requirements import InvalidRequirement, Requirement

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.fixes.editors import _tomltext
from bastion.fixes.editors._constraints import UnsupportedConstraint, raise_constraint
from bastion.fixes.editors.base import Bump, Change, EditResult, Skip, decode, encode
from bastion.versions import compare_versions

MANIFEST = "pyproject.toml"
LOCKFILES = frozenset({"poetry.lock", "uv.lock", "pdm.lock", "pylock.toml"})
_POETRY_OPERATORS = frozenset({"", "=", "==", "^", "~", "~=", ">="})
_POETRY_TABLES = ("dependencies", "dev-dependencies")
_NAME_AND_EXTRAS = re.compile(r"\s*[A-Za-z0-9][A-Za-z0-9._-]*(?:\s*\[[^\]]*\])?")


class PyprojectEditor:
    name: ClassVar[str] = "pypi/pyproject"
    ecosystem: ClassVar[Ecosystem] = Ecosystem.PYPI

    def manifest_for(self, source: PurePosixPath) -> PurePosixPath | None:
        if source.name == MANIFEST:
            return source
        if source.name in LOCKFILES or (
            source.name.startswith("pylock.") and source.suffix == ".toml"
        ):
            return source.parent / MANIFEST
        return None

    def edit(self, path: PurePosixPath, data: bytes, bumps: Sequence[Bump]) -> EditResult:
        text, bom = decode(path, data)
        doc = _tomltext.load(text)
        by_name = {_normalize(bump.package): bump for bump in bumps}
        edits: dict[_tomltext.TomlString, str] = {}
        changes: list[Change] = []
        skipped: list[Skip] = []
        found: set[str] = set()
        for literal in _tomltext.strings(text):
            declared = _declaration(doc, literal)
            if declared is None:
                continue
            name, kind = declared
            bump = by_name.get(_normalize(name))
            if bump is None:
                continue
            found.add(_normalize(name))
            outcome = (
                _raise_pep508(literal.value, bump)
                if kind == "pep508"
                else _raise_poetry(literal.value, bump)
            )
            if isinstance(outcome, Skip):
                skipped.append(outcome)
            elif outcome is not None:
                edits[literal] = outcome
                changes.append(Change(bump.package, literal.value, outcome))
        for key, bump in by_name.items():
            if key not in found:
                skipped.append(Skip(bump.package, f"not declared in {path}"))
        edited = _tomltext.apply(text, edits) if edits else text
        return EditResult(encode(edited, bom), tuple(changes), tuple(skipped))


def _declaration(doc: dict[str, Any], literal: _tomltext.TomlString) -> tuple[str, str] | None:
    """(package name, "pep508" or "poetry") when ``literal`` declares a dependency."""
    path = literal.path
    if _is_pep508_list(path) and isinstance(path[-1], int):
        try:
            return Requirement(literal.value).name, "pep508"
        except InvalidRequirement:
            return None
    poetry = _poetry_table(path)
    if poetry is None:
        return None
    rest = path[len(poetry) :]
    if len(rest) == 1 and isinstance(rest[0], str) and rest[0].lower() != "python":
        return rest[0], "poetry"
    if len(rest) == 2 and rest[1] == "version" and isinstance(rest[0], str):
        return rest[0], "poetry"
    return None


def _is_pep508_list(path: _tomltext.Path) -> bool:
    head = path[:-1]
    return (
        head == ("project", "dependencies")
        or (len(head) == 3 and head[:2] == ("project", "optional-dependencies"))
        or (len(head) == 2 and head[0] == "dependency-groups")
        or head == ("tool", "uv", "dev-dependencies")
        or (len(head) == 4 and head[:3] == ("tool", "pdm", "dev-dependencies"))
    )


def _poetry_table(path: _tomltext.Path) -> _tomltext.Path | None:
    """The Poetry dependency table ``path`` lies in, if any."""
    if path[:2] != ("tool", "poetry"):
        return None
    if len(path) > 3 and path[2] in _POETRY_TABLES:
        return path[:3]
    if len(path) > 5 and path[2] == "group" and path[4] == "dependencies":
        return path[:5]
    return None


def _raise_pep508(text: str, bump: Bump) -> str | Skip | None:
    requirement = Requirement(text)
    if requirement.url:
        return Skip(bump.package, "installed from a URL")
    clauses = list(requirement.specifier)
    if not clauses:
        fixed = bump.direct_target()
        end = _NAME_AND_EXTRAS.match(text)
        assert end is not None  # packaging accepted the name
        raised = f"{text[: end.end()]}>={fixed}{text[end.end() :]}"
        return _checked(requirement, raised, fixed, bump)
    pins = [c for c in clauses if c.operator in ("==", "===")]
    bounds = [c for c in clauses if c.operator in (">=", "~=")]
    chosen = pins[0] if len(pins) == 1 and len(clauses) == 1 else None
    if chosen is None and len(bounds) == 1 and not pins:
        chosen = bounds[0]
    if chosen is None or "*" in chosen.version:
        return Skip(bump.package, f"{text!r} has no single pin or lower bound to raise")
    fixed = bump.fixed_for(chosen.version) if chosen in pins else bump.direct_target()
    if compare_versions(Ecosystem.PYPI, chosen.version, fixed) >= 0:
        return None
    clause = re.compile(
        rf"(?<![=!<>~]){re.escape(chosen.operator)}(\s*){re.escape(chosen.version)}(?![\w.+!-])"
    )
    match = clause.search(text)
    if match is None:
        return Skip(bump.package, f"could not find {chosen} in {text!r}")
    raised = (
        text[: match.start()] + f"{chosen.operator}{match.group(1)}{fixed}" + text[match.end() :]
    )
    return _checked(requirement, raised, fixed, bump)


def _checked(before: Requirement, raised: str, fixed: str, bump: Bump) -> str | Skip:
    """``raised`` when it names the same requirement and admits the fix, else a Skip."""
    try:
        after = Requirement(raised)
    except InvalidRequirement:
        return Skip(bump.package, f"raising {str(before)!r} would not parse")
    if (
        _normalize(after.name) != _normalize(before.name)
        or after.extras != before.extras
        or str(after.marker) != str(before.marker)
        or not after.specifier.contains(fixed, prereleases=True)
    ):
        return Skip(bump.package, f"{str(before)!r} cannot admit {fixed} by raising one bound")
    return raised


def _raise_poetry(constraint: str, bump: Bump) -> str | Skip | None:
    try:
        return raise_constraint(
            constraint, bump.direct_target(), Ecosystem.PYPI, operators=_POETRY_OPERATORS
        )
    except UnsupportedConstraint as exc:
        return Skip(bump.package, exc.reason)


def _normalize(name: str) -> str:
    return normalize_package_name(Ecosystem.PYPI, name)

"""Bumps for editor tests, and hypothesis strategies shared by them."""

from __future__ import annotations

from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors.base import Bump, Occurrence


def bump(
    ecosystem: Ecosystem,
    package: str,
    *occurrences: tuple[str, str] | tuple[str, str, bool] | tuple[str, str, bool, str],
    source: str = "lockfile",
) -> Bump:
    """``bump(NPM, "lodash", ("4.17.15", "4.17.21"))``: (installed, fixed[, direct[, source]])."""
    found = tuple(
        Occurrence(
            o[0],
            o[1],
            o[2] if len(o) > 2 else True,
            o[3] if len(o) > 3 else source,
        )
        for o in occurrences
    )
    target = found[0].fixed
    for occurrence in found[1:]:
        if tuple(map(int, occurrence.fixed.split("."))) > tuple(map(int, target.split("."))):
            target = occurrence.fixed
    return Bump(ecosystem, package, target, ("GHSA-xxxx-xxxx-xxxx",), found)


# Three-part release versions and a strictly later one.
triples = st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))


def dotted(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


@st.composite
def version_and_fix(draw: st.DrawFn) -> tuple[str, str]:
    installed = draw(triples)
    kind = draw(st.sampled_from(("patch", "minor", "major")))
    major, minor, patch = installed
    if kind == "patch":
        fixed = (major, minor, patch + draw(st.integers(1, 9)))
    elif kind == "minor":
        fixed = (major, minor + 1, draw(st.integers(0, 9)))
    else:
        fixed = (major + 1, 0, draw(st.integers(0, 9)))
    return dotted(installed), dotted(fixed)

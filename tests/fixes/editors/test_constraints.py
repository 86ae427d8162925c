"""Raising one-version constraints while keeping how they are written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors._constraints import UnsupportedConstraint, raise_constraint
from bastion.versions import compare_versions
from tests.fixes.editors.support import version_and_fix

NPM = Ecosystem.NPM


@pytest.mark.parametrize(
    ("constraint", "raised"),
    [
        ("1.2.3", "1.2.4"),
        ("^1.2.3", "^1.2.4"),
        (" ~1.2 ", " ~1.2.4 "),
        (">= 1.2.3", ">= 1.2.4"),
        ("v1.2.3", "v1.2.4"),
        ("=1.2.3-beta.1", "=1.2.4"),
        ("1.2.4", None),
        ("^2.0.0", None),
    ],
)
def test_raised_or_already_enough(constraint: str, raised: str | None) -> None:
    assert raise_constraint(constraint, "1.2.4", NPM) == raised


@pytest.mark.parametrize(
    ("constraint", "reason"),
    [
        ("1.2.x", "is a wildcard"),
        ("*", "is not a single version"),
        ("<1.2.4", "is not a single version"),
        ("^1.0 || ^2.0", "is not a single version"),
        ("1.0.0 - 1.2.0", "is not a single version"),
        ("git+https://example.com/x.git", "is not a single version"),
    ],
)
def test_everything_else_is_refused_with_a_reason(constraint: str, reason: str) -> None:
    with pytest.raises(UnsupportedConstraint) as refused:
        raise_constraint(constraint, "1.2.4", NPM)
    assert reason in refused.value.reason


def test_operators_can_be_restricted() -> None:
    with pytest.raises(UnsupportedConstraint):
        raise_constraint("~=1.2.3", "1.2.4", Ecosystem.PYPI, operators=frozenset({"", "^"}))


@given(version_and_fix(), st.sampled_from(("", "^", "~", ">=", "=")), st.sampled_from(("", " ")))
def test_only_the_version_changes_and_the_result_admits_the_fix(
    versions: tuple[str, str], operator: str, gap: str
) -> None:
    installed, fixed = versions
    raised = raise_constraint(f"{operator}{gap}{installed}", fixed, NPM)
    assert raised == f"{operator}{gap}{fixed}"
    assert raise_constraint(raised, fixed, NPM) is None
    assert compare_versions(NPM, fixed, installed) > 0

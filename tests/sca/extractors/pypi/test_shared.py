"""The version rule every PyPI extractor applies, and the TOML line index."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet

from bastion.sca.extractors.base import ExtractionError
from bastion.sca.extractors.pypi._shared import (
    LOWER_BOUND,
    UNPINNED,
    UPPER_BOUND,
    Pin,
    TomlPositions,
    groups_by_reach,
    load_toml,
    pin_from_poetry,
    pin_from_specifier,
    shortest_paths,
)

EXACT = Pin("1.2", None)
LOWER = Pin("1.2", LOWER_BOUND, approximate=True)
UPPER = Pin("1.2", UPPER_BOUND, approximate=True)
NONE = Pin(None, UNPINNED)


@pytest.mark.parametrize(
    ("specifier", "pin"),
    [
        ("==1.2", EXACT),
        ("===1.2", EXACT),
        (">=1.2", LOWER),
        ("~=1.2", LOWER),
        ("<=1.2", UPPER),
        ("", NONE),
        ("!=1.2", NONE),
        (">1.2", NONE),
        ("<1.2", NONE),
        ("==1.*", NONE),
        (">=1.2,<2", NONE),
        ("==1.2,==1.3", NONE),
    ],
)
def test_specifier(specifier: str, pin: Pin) -> None:
    assert pin_from_specifier(SpecifierSet(specifier)) == pin


@pytest.mark.parametrize(
    ("constraint", "pin"),
    [
        ("1.2", EXACT),
        ("==1.2", EXACT),
        ("= 1.2", EXACT),
        ("^1.2", LOWER),
        ("~1.2", LOWER),
        ("~=1.2", LOWER),
        (">= 1.2", LOWER),
        ("<=1.2", UPPER),
        ("*", NONE),
        ("", NONE),
        ("1.*", NONE),
        ("!=1.2", NONE),
        (">=1.2,<2", NONE),
        (">=1.2 <2", NONE),
        ("1.2 || 1.3", NONE),
    ],
)
def test_poetry_constraint(constraint: str, pin: Pin) -> None:
    assert pin_from_poetry(constraint) == pin


@pytest.mark.parametrize(
    ("text", "line"),
    [("a = 1\nb = \n", 2), ("a = [1,\n2,\n", 3), ("a = 1\na = 2\n", 2)],
)
def test_toml_errors_carry_a_line(text: str, line: int) -> None:
    with pytest.raises(ExtractionError, match=r"^invalid TOML") as caught:
        load_toml(text)
    assert caught.value.line == line


def test_positions() -> None:
    positions = TomlPositions(
        '[project]\ndependencies = ["a", "b"]\n[tool.poetry."dependencies"]\nc = "1"\n'
        '[tool.poetry.dependencies.d]\nversion = "1"\nx = ["a"]\n'
    )
    assert [positions.take_string("a"), positions.take_string("a")] == [2, 7]
    assert positions.take_string("a") is None
    assert positions.key("tool.poetry.dependencies", "c") == 4
    assert positions.header("tool.poetry.dependencies.d") == 5


def test_graph_walks() -> None:
    names = ["a", "b", "c", "d"]
    edges = [[1], [2, 0], [], [2]]  # a -> b -> c, b -> a, d -> c
    assert shortest_paths(names, edges, [0]) == {0: ("a",), 1: ("a", "b"), 2: ("a", "b", "c")}
    # Main wins wherever it reaches; the rest goes to the first group that does.
    assert groups_by_reach(edges, [(3, "dev"), (1, None)]) == {1: None, 2: None, 0: None, 3: "dev"}

"""RubyGems versions (Gem::Version)."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.versions import compare_versions, version_key
from tests.versions.cases import Case, case_params, check_ecosystem_case


@pytest.mark.parametrize("case", case_params("rubygems"))
def test_rubygems_table(case: Case) -> None:
    check_ecosystem_case(Ecosystem.RUBYGEMS, case)


@pytest.mark.parametrize("spelling", ["1.0", "1.0 ", " 1.0 ", "1.0\n", "\n1.0\n"])
def test_surrounding_whitespace_is_ignored(spelling: str) -> None:
    # test_gem_version.rb test_initialize
    assert compare_versions(Ecosystem.RUBYGEMS, spelling, "1.0") == 0
    assert version_key(Ecosystem.RUBYGEMS, spelling).exact


@pytest.mark.parametrize("empty", ["", "   ", " "])
def test_empty_version_is_zero(empty: str) -> None:
    # test_gem_version.rb test_empty_version / test_spaceship ("" <=> "0")
    assert compare_versions(Ecosystem.RUBYGEMS, empty, "0") == 0
    assert version_key(Ecosystem.RUBYGEMS, empty).exact


@pytest.mark.parametrize(
    "invalid",
    # the last one: "DON'T TOUCH THIS WITHOUT CHECKING CVE-2013-4287"
    ["junk", "1.0\n2.0", "1..2", "1.2 3.4", "1.0+build", "2.3422222.222.222222.22.ads0as.dasd0."],
)
def test_malformed_versions_fall_back_below_valid_ones(invalid: str) -> None:
    # test_gem_version.rb test_initialize_invalid
    key = version_key(Ecosystem.RUBYGEMS, invalid)
    assert not key.exact
    assert key < version_key(Ecosystem.RUBYGEMS, "0.a")


def test_leading_v_is_tolerated_but_inexact() -> None:
    key = version_key(Ecosystem.RUBYGEMS, "v1.2.3")
    assert key == version_key(Ecosystem.RUBYGEMS, "1.2.3")
    assert not key.exact

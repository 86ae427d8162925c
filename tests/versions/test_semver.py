"""SemVer ecosystems (npm, crates.io, SwiftURL) and OSV's SEMVER range type."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.versions import semver_key, version_key
from tests.versions.cases import Case, case_params, check_case, check_ecosystem_case

SEMVER_ECOSYSTEMS = [Ecosystem.NPM, Ecosystem.CRATES_IO, Ecosystem.SWIFTURL]


@pytest.mark.parametrize("ecosystem", SEMVER_ECOSYSTEMS)
@pytest.mark.parametrize("case", case_params("semver"))
def test_semver_table(ecosystem: Ecosystem, case: Case) -> None:
    check_ecosystem_case(ecosystem, case)


@pytest.mark.parametrize("case", case_params("semver"))
def test_semver_range_type_table(case: Case) -> None:
    def compare(a: str, b: str) -> int:
        key_a, key_b = semver_key(a), semver_key(b)
        return (key_a > key_b) - (key_a < key_b)

    check_case(compare, case)


@pytest.mark.parametrize(
    "case",
    # OSV uses the SEMVER range type for Go, so the range-type key must agree with Go's
    # order wherever Go's spelling is plain SemVer (the toolchain "go" prefix is not).
    case_params("go", keep=lambda case: "go" not in (case.a[:2], case.b[:2])),
)
def test_semver_range_type_accepts_go_spellings(case: Case) -> None:
    def compare(a: str, b: str) -> int:
        key_a, key_b = semver_key(a), semver_key(b)
        return (key_a > key_b) - (key_a < key_b)

    check_case(compare, case)


@pytest.mark.parametrize(
    "version",
    ["1.2.3", "v1.2.3", "1.2", "1", "1.2.3.4", "0.12.0rc1", "1.0.0-alpha.1+build.5", " 1.2.3 "],
)
def test_lenient_spellings_are_exact(version: str) -> None:
    assert version_key(Ecosystem.NPM, version).exact
    assert semver_key(version).exact


@pytest.mark.parametrize(
    "version", ["latest", "1.x", "1.0.0-", "1.0.0+", "", "one.two", "1..2", "*", "^1.2.3"]
)
def test_unparsable_versions_fall_back_below_every_valid_version(version: str) -> None:
    key = version_key(Ecosystem.NPM, version)
    assert not key.exact
    assert key < version_key(Ecosystem.NPM, "0.0.0-0")
    assert semver_key(version) < semver_key("0.0.0-0")


def test_fallback_keys_are_ordered_among_themselves() -> None:
    assert version_key(Ecosystem.NPM, "1.x") < version_key(Ecosystem.NPM, "2.x")
    assert version_key(Ecosystem.NPM, "1.x") == version_key(Ecosystem.NPM, "1.X")


def test_huge_numbers_compare_numerically() -> None:
    big = "1." + "9" * 5000 + ".0"
    bigger = "1.1" + "0" * 5000 + ".0"
    assert version_key(Ecosystem.NPM, big) < version_key(Ecosystem.NPM, bigger)
    assert version_key(Ecosystem.NPM, big).exact

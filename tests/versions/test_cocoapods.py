"""CocoaPods versions (Pod::Version)."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.versions import version_key
from tests.versions.cases import Case, case_params, check_ecosystem_case


@pytest.mark.parametrize("case", case_params("cocoapods"))
def test_cocoapods_table(case: Case) -> None:
    check_ecosystem_case(Ecosystem.COCOAPODS, case)


@pytest.mark.parametrize("version", ["1.0.0", "1.0.0-x.7.z.92", "1.0.0+5114f85", "v2.1", ""])
def test_valid_versions_are_exact(version: str) -> None:
    assert version_key(Ecosystem.COCOAPODS, version).exact


@pytest.mark.parametrize("version", ["HEAD", "1.0 beta", "1..0", "+abc", "1.0_1"])
def test_invalid_versions_fall_back_below_valid_ones(version: str) -> None:
    key = version_key(Ecosystem.COCOAPODS, version)
    assert not key.exact
    assert key < version_key(Ecosystem.COCOAPODS, "0.0.0-a")

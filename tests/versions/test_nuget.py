"""NuGet versions (NuGet.Versioning VersionComparer.Default)."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.versions import compare_versions, version_key
from tests.versions.cases import Case, case_params, check_ecosystem_case


@pytest.mark.parametrize("case", case_params("nuget"))
def test_nuget_table(case: Case) -> None:
    check_ecosystem_case(Ecosystem.NUGET, case)


def test_prerelease_labels_are_case_insensitive() -> None:
    assert compare_versions(Ecosystem.NUGET, "1.0.0-ALPHA.Beta", "1.0.0-alpha.beta") == 0
    upper = version_key(Ecosystem.NUGET, "1.0-ALPHA")
    assert upper == version_key(Ecosystem.NUGET, "1.0-alpha")


def test_build_metadata_is_ignored() -> None:
    assert compare_versions(Ecosystem.NUGET, "1.0.0+build.1", "1.0.0+build.2") == 0
    assert compare_versions(Ecosystem.NUGET, "1.0.0-rc.1+a", "1.0.0-rc.1") == 0


def test_four_part_versions_and_padding() -> None:
    assert compare_versions(Ecosystem.NUGET, "1.0", "1.0.0.0") == 0
    assert compare_versions(Ecosystem.NUGET, "4.0.0.1", "4.0.0") > 0


def test_five_parts_fall_back() -> None:
    key = version_key(Ecosystem.NUGET, "1.2.3.4.5")
    assert not key.exact
    assert key < version_key(Ecosystem.NUGET, "0.0.0-a")

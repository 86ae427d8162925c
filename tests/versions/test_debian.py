"""Debian versions (dpkg)."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.versions import compare_versions, version_key
from tests.versions.cases import Case, case_params, check_ecosystem_case


@pytest.mark.parametrize("case", case_params("debian"))
def test_debian_table(case: Case) -> None:
    check_ecosystem_case(Ecosystem.DEBIAN, case)


@pytest.mark.parametrize("release", ["Debian:11", "Debian:12", "debian"])
def test_release_qualified_ecosystem_names(release: str) -> None:
    assert compare_versions(release, "1.0~rc1", "1.0") < 0


@pytest.mark.parametrize("version", ["1.0", "1:2.3-4", "2.30-1ubuntu1", "1.0~rc1+dfsg-2~bpo1"])
def test_valid_versions_are_exact(version: str) -> None:
    assert version_key(Ecosystem.DEBIAN, version).exact


@pytest.mark.parametrize("version", ["a:1.0", "abc", "1.0-", ":1.0", "1.0-a_b", "", "1.0 2"])
def test_invalid_versions_are_ordered_but_inexact(version: str) -> None:
    assert not version_key(Ecosystem.DEBIAN, version).exact


def test_non_numeric_epoch_is_kept_as_text() -> None:
    # dpkg would reject it; the string is still ordered by verrevcmp as a whole.
    assert compare_versions(Ecosystem.DEBIAN, "a:1.0", "b:1.0") < 0

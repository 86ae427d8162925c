"""Pub versions (pub_semver)."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.versions import compare_versions, version_key
from tests.versions.cases import Case, case_params, check_ecosystem_case


@pytest.mark.parametrize("case", case_params("pub"))
def test_pub_table(case: Case) -> None:
    check_ecosystem_case(Ecosystem.PUB, case)


def test_build_sorts_after_release_unlike_npm() -> None:
    assert compare_versions(Ecosystem.PUB, "1.0.0", "1.0.0+build") < 0
    assert compare_versions(Ecosystem.NPM, "1.0.0", "1.0.0+build") == 0


def test_prerelease_still_sorts_before_release() -> None:
    assert compare_versions(Ecosystem.PUB, "1.0.0-dev.1+2", "1.0.0") < 0


def test_unparsable_versions_fall_back() -> None:
    assert not version_key(Ecosystem.PUB, "any").exact
    assert version_key(Ecosystem.PUB, "any") < version_key(Ecosystem.PUB, "0.0.0-0")

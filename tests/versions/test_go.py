"""Go module versions."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.versions import version_key
from tests.versions.cases import Case, case_params, check_ecosystem_case


@pytest.mark.parametrize("case", case_params("go"))
def test_go_table(case: Case) -> None:
    check_ecosystem_case(Ecosystem.GO, case)


def test_invalid_versions_sort_below_valid_ones() -> None:
    # golang.org/x/mod/semver: "An invalid semantic version string is considered less
    # than a valid one."
    assert version_key(Ecosystem.GO, "bad") < version_key(Ecosystem.GO, "v0.0.0-0")
    assert not version_key(Ecosystem.GO, "v1.2.3-").exact


def test_incompatible_suffix_is_exact() -> None:
    assert version_key(Ecosystem.GO, "v2.0.0+incompatible").exact

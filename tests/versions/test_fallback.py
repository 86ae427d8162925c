"""The generic ordering used for unknown ecosystems and unparsable versions."""

from __future__ import annotations

import pytest

from bastion.versions import compare_versions
from bastion.versions.fallback import fallback_key
from tests.versions.cases import Case, case_params, check_case


@pytest.mark.parametrize("case", case_params("generic"))
def test_generic_table(case: Case) -> None:
    check_case(lambda a, b: compare_versions("NoSuchEcosystem", a, b), case)


def test_fallback_keys_are_inexact() -> None:
    assert not fallback_key("1.0").exact


@pytest.mark.parametrize("ecosystem", ["Hackage", "CRAN", "", "npm2", "Ubuntu:22.04"])
def test_unknown_ecosystem_strings_use_the_generic_order(ecosystem: str) -> None:
    assert compare_versions(ecosystem, "1.10", "1.9") > 0
    assert compare_versions(ecosystem, "1.0", "1.0.0") == 0

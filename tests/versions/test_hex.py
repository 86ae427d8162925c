"""Hex (Elixir Version) versions."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from tests.versions.cases import Case, case_params, check_ecosystem_case


@pytest.mark.parametrize("case", case_params("hex"))
def test_hex_table(case: Case) -> None:
    check_ecosystem_case(Ecosystem.HEX, case)


@pytest.mark.parametrize("case", case_params("semver"))
def test_hex_follows_semver(case: Case) -> None:
    check_ecosystem_case(Ecosystem.HEX, case)

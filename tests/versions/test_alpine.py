"""Alpine versions (apk-tools)."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.versions import compare_versions, version_key
from tests.versions.cases import TESTDATA, Case, case_params, check_ecosystem_case


@pytest.mark.parametrize("case", case_params("alpine"))
def test_alpine_table(case: Case) -> None:
    check_ecosystem_case(Ecosystem.ALPINE, case)


def _validity_rows() -> list[tuple[str, bool]]:
    rows = []
    for line in (TESTDATA / "alpine_validity.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        rows.append((line[1:], False) if line.startswith("!") else (line, True))
    return rows


@pytest.mark.parametrize(("version", "valid"), _validity_rows())
def test_exact_flag_is_apk_validity(version: str, valid: bool) -> None:
    assert version_key(Ecosystem.ALPINE, version).exact is valid


@pytest.mark.parametrize("release", ["Alpine:v3.19", "Alpine:v3.16", "alpine"])
def test_release_qualified_ecosystem_names(release: str) -> None:
    assert compare_versions(release, "1.2.3-r0", "1.2.3-r1") < 0

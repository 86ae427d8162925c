"""Packagist versions (Composer VersionParser::normalize + PHP version_compare)."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.versions import compare_versions, version_key
from bastion.versions.packagist import normalize, version_compare_key
from tests.versions.cases import Case, case_params, check_case, check_ecosystem_case


@pytest.mark.parametrize("case", case_params("packagist"))
def test_packagist_table(case: Case) -> None:
    check_ecosystem_case(Ecosystem.PACKAGIST, case)


# Composer tests/Composer/Test/Semver/VersionParserTest::successfulNormalizedVersions
@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("1.0.0", "1.0.0.0"),
        ("1.2.3.4", "1.2.3.4"),
        ("1.0.0RC1dev", "1.0.0.0-RC1-dev"),
        ("1.0.0-rC15-dev", "1.0.0.0-RC15-dev"),
        ("1.0.0.RC.15-dev", "1.0.0.0-RC15-dev"),
        ("1.0.0-rc1", "1.0.0.0-RC1"),
        ("1.0.0.pl3-dev", "1.0.0.0-patch3-dev"),
        ("1.0-dev", "1.0.0.0-dev"),
        ("0", "0.0.0.0"),
        ("10.4.13-beta", "10.4.13.0-beta"),
        ("10.4.13beta2", "10.4.13.0-beta2"),
        ("10.4.13beta.2", "10.4.13.0-beta2"),
        ("v1.13.11-beta.0", "1.13.11.0-beta0"),
        ("1.13.11.0-beta0", "1.13.11.0-beta0"),
        ("10.4.13-b", "10.4.13.0-beta"),
        ("10.4.13-b5", "10.4.13.0-beta5"),
        ("v1.0.0", "1.0.0.0"),
        ("2010.01", "2010.01.0.0"),
        ("2010.01.02", "2010.01.02.0"),
        ("2010.1.555", "2010.1.555.0"),
        ("2010.10.200", "2010.10.200.0"),
        ("v20100102", "20100102"),
        ("2010-01-02", "2010.01.02"),
        ("2010-01-02.5", "2010.01.02.5"),
        ("20100102-203040", "20100102.203040"),
        ("20100102203040-10", "20100102203040.10"),
        ("20100102-203040-p1", "20100102.203040-patch1"),
        ("201903.0", "201903.0"),
        ("201903.0-p2", "201903.0-patch2"),
        ("dev-master", "dev-master"),
        ("master", "dev-master"),
        ("dev-trunk", "dev-trunk"),
        ("1.x-dev", "1.9999999.9999999.9999999-dev"),
        ("dev-feature-foo", "dev-feature-foo"),
        ("DEV-FOOBAR", "dev-FOOBAR"),
        ("dev-feature/foo", "dev-feature/foo"),
        ("dev-feature+issue-1", "dev-feature+issue-1"),
        ("dev-master as 1.0.0", "dev-master"),
        ("dev-load-varnish-only-when-used as ^2.0", "dev-load-varnish-only-when-used"),
        ("dev-load-varnish-only-when-used@dev as ^2.0@dev", "dev-load-varnish-only-when-used"),
        ("1.0.0+foo@dev", "1.0.0.0"),
        ("dev-load-varnish-only-when-used@stable", "dev-load-varnish-only-when-used"),
        ("1.0.0-beta.5+foo", "1.0.0.0-beta5"),
        ("1.0.0+foo", "1.0.0.0"),
        ("1.0.0-alpha.3.1+foo", "1.0.0.0-alpha3.1"),
        ("1.0.0-alpha2.1+foo", "1.0.0.0-alpha2.1"),
        ("1.0.0-alpha-2.1-3+foo", "1.0.0.0-alpha2.1-3"),
        ("1.0.0+foo as 2.0", "1.0.0.0"),
        ("00.01.03.04", "00.01.03.04"),
        ("000.001.003.004", "000.001.003.004"),
        ("0.000.103.204", "0.000.103.204"),
        ("0700", "0700.0.0.0"),
        ("041.x-dev", "041.9999999.9999999.9999999-dev"),
        ("dev-041.003", "dev-041.003"),
        ("dev-1.0.0-dev<1.0.5-dev", "dev-1.0.0-dev<1.0.5-dev"),
        ("dev-foo bar", "dev-foo bar"),
        (" 1.0.0", "1.0.0.0"),
        ("1.0.0 ", "1.0.0.0"),
    ],
)
def test_composer_normalization(given: str, normalized: str) -> None:
    assert normalize(given) == normalized


# VersionParserTest::failingNormalizedVersions
@pytest.mark.parametrize(
    "given", ["", "a", "1.0.0-meh", "1.0.0.0.0", "feature-foo", "1.0 .2", "^1", "1.0.0<1.0.5-dev"]
)
def test_composer_rejects(given: str) -> None:
    assert normalize(given) is None
    assert not version_key(Ecosystem.PACKAGIST, given).exact


# PHP's version_compare on raw strings (php.net manual and ext/standard/tests/versioning)
@pytest.mark.parametrize(
    "case",
    [
        Case("5.2", "<", "5.2.0", "php"),
        Case("1.0rc1", "<", "1.0", "php"),
        Case("1.0", "<", "1.0pl1", "php"),
        Case("1.0-dev", "<", "1.0a1", "php"),
        Case("1.0a1", "<", "1.0b1", "php"),
        Case("1.0b1", "<", "1.0RC1", "php"),
        Case("1.0RC1", "<", "1.0", "php"),
        Case("1.0", "<", "1.0.1", "php"),
        Case("1", "<", "1.0", "php"),
        Case("1.0", ">", "1.0-beta", "php"),
        Case("5.3.0-dev", "<", "5.3.0", "php"),
        Case("1.0a", "=", "1.0alpha", "php"),
        Case("1.0RC1", "=", "1.0rc1", "php"),
        Case("1.0-foo", "<", "1.0-dev", "php"),
        Case("1.0_1", "=", "1.0.1", "php"),
        Case("1.0+1", "=", "1.0-1", "php"),
        Case("1.10", ">", "1.9", "php"),
        Case("", "<", "0", "php"),
        Case("1.0.0", "=", "1.0.0", "php"),
        Case("1.0patch1", "=", "1.0p1", "php"),
    ],
    ids=lambda case: f"{case.a} {case.op} {case.b}",
)
def test_php_version_compare(case: Case) -> None:
    def compare(a: str, b: str) -> int:
        key_a, key_b = version_compare_key(a), version_compare_key(b)
        return (key_a > key_b) - (key_a < key_b)

    check_case(compare, case)


def test_branches_are_exact_and_below_releases() -> None:
    key = version_key(Ecosystem.PACKAGIST, "dev-main")
    assert key.exact
    assert key < version_key(Ecosystem.PACKAGIST, "0.0.0-dev")
    assert compare_versions(Ecosystem.PACKAGIST, "dev-main", "dev-main") == 0

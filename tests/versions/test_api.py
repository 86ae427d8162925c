"""The public API of bastion.versions: compare_versions, version_key, semver_key, VersionKey."""

from __future__ import annotations

import pytest

import bastion
from bastion import versions
from bastion.ecosystems import Ecosystem
from bastion.versions import (
    VersionKey,
    compare_versions,
    scheme_for,
    semver_key,
    version_key,
)


def test_compare_versions_is_reexported_from_the_package() -> None:
    assert bastion.compare_versions is compare_versions
    assert bastion.compare_versions("npm", "1.0.0", "2.0.0") < 0


@pytest.mark.parametrize("ecosystem", list(Ecosystem))
def test_every_ecosystem_has_a_scheme(ecosystem: Ecosystem) -> None:
    key = scheme_for(ecosystem).parse("1.0")
    assert isinstance(key, VersionKey)
    assert compare_versions(ecosystem, "1.0", "2.0") < 0
    assert compare_versions(ecosystem.value, "1.0", "2.0") < 0


@pytest.mark.parametrize("spelling", ["PyPI", "pypi", "PYPI", " PyPI "])
def test_ecosystem_strings_are_case_insensitive(spelling: str) -> None:
    # Only PEP 440 puts a dev release before its alpha; the generic rule would not.
    assert compare_versions(spelling, "1.0.dev0", "1.0a0") < 0


def test_result_is_a_plain_sign() -> None:
    assert compare_versions("npm", "1.0.0", "2.0.0") == -1
    assert compare_versions("npm", "2.0.0", "1.0.0") == 1
    assert compare_versions("npm", "1.0.0", "v1.0.0") == 0


def test_unknown_ecosystem_uses_generic_ordering_and_never_raises() -> None:
    assert compare_versions("Hackage", "1.10", "1.9") > 0
    assert compare_versions("not an ecosystem", "1.0-beta", "1.0") < 0
    assert compare_versions("", "", "") == 0


def test_non_string_versions_are_tolerated() -> None:
    assert compare_versions("npm", 1, "1.0.0") == 0  # type: ignore[arg-type]
    assert compare_versions("PyPI", None, "1.0") < 0  # type: ignore[arg-type]


# The messy inputs the matching code meets in real advisories and lockfiles.
@pytest.mark.parametrize(
    ("ecosystem", "a", "op", "b"),
    [
        (Ecosystem.NPM, "v1.2.3", "=", "1.2.3"),
        (Ecosystem.CRATES_IO, "V1.2.3", "=", "1.2.3"),
        (Ecosystem.GO, "v1.2.3", "=", "1.2.3"),
        (Ecosystem.NPM, "1.2.3.4", ">", "1.2.3"),
        (Ecosystem.NPM, "1.2.3.4", "<", "1.2.4"),
        (Ecosystem.NUGET, "1.2.3.4", ">", "1.2.3"),
        (Ecosystem.NPM, "0.12.0rc1", "<", "0.12.0"),
        (Ecosystem.NPM, "0.12.0rc1", ">", "0.11.9"),
        (Ecosystem.HEX, "0.12.0rc1", "=", "0.12.0-rc1"),
        (Ecosystem.NPM, "1.0.123456789012345678901234567890", ">", "1.0.99999999999999999999"),
        (Ecosystem.PYPI, "1.0.123456789012345678901234567890", ">", "1.0.99999999999999999999"),
        (Ecosystem.MAVEN, "1.0.123456789012345678901234567890", ">", "1.0.99999999999999999999"),
        (Ecosystem.DEBIAN, "1.0.123456789012345678901234567890", ">", "1.0.99999999999999999999"),
        (Ecosystem.PYPI, "0.9-doduo", "<", "0.0.1"),
        (Ecosystem.PYPI, "1.0.0-SNAPSHOT", "<", "0.dev0"),
        (Ecosystem.NUGET, "1.0.0-RC.1", "=", "1.0.0-rc.1"),
        (Ecosystem.NUGET, "1.0.0+build.7", "=", "1.0.0"),
        (Ecosystem.PUB, "1.0.0+build", ">", "1.0.0"),
        (Ecosystem.NPM, "1.0.0+build", "=", "1.0.0"),
        (Ecosystem.MAVEN, "1.0-SNAPSHOT", "<", "1.0"),
        (Ecosystem.MAVEN, "5.2.20.RELEASE", "=", "5.2.20"),
        (Ecosystem.MAVEN, "2.13.2.1", ">", "2.13.2"),
        (Ecosystem.MAVEN, "1.0", "=", "1-ga"),
        (Ecosystem.RUBYGEMS, "1.0.a", "<", "1.0"),
        (Ecosystem.PACKAGIST, "1.0.0-p1", ">", "1.0.0"),
        (Ecosystem.DEBIAN, "1.0~rc1", "<", "1.0"),
        (Ecosystem.ALPINE, "1.0_rc1", "<", "1.0"),
        (Ecosystem.ALPINE, "1.0-r1", ">", "1.0"),
    ],
)
def test_messy_inputs(ecosystem: Ecosystem, a: str, op: str, b: str) -> None:
    expected = {"<": -1, "=": 0, ">": 1}[op]
    assert compare_versions(ecosystem, a, b) == expected
    assert compare_versions(ecosystem, b, a) == -expected


def test_version_key_ordering_ignores_exact() -> None:
    exact = VersionKey((1, (1,)), exact=True)
    inexact = VersionKey((1, (1,)), exact=False)
    assert exact == inexact
    assert hash(exact) == hash(inexact)
    assert not exact < inexact
    assert exact <= inexact
    assert exact >= inexact
    assert VersionKey((1, (0,))) < exact
    assert exact > VersionKey((1, (0,)))
    assert exact != "1"


def test_version_keys_sort_versions() -> None:
    versions = ["1.10.0", "1.2.0", "1.2.0-rc.1", "v1.2.0-beta", "0.9.0"]
    ordered = sorted(versions, key=lambda v: version_key(Ecosystem.NPM, v))
    assert ordered == ["0.9.0", "v1.2.0-beta", "1.2.0-rc.1", "1.2.0", "1.10.0"]


def test_keys_are_cached() -> None:
    version_key(Ecosystem.NPM, "9.9.9-cache-probe")
    hits = version_key.cache_info().hits
    version_key(Ecosystem.NPM, "9.9.9-cache-probe")
    assert version_key.cache_info().hits == hits + 1
    assert semver_key.cache_info().maxsize == version_key.cache_info().maxsize


def test_a_scheme_bug_degrades_to_the_fallback_key(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def parse(self, version: str) -> VersionKey:
            raise RuntimeError("boom")

    monkeypatch.setitem(versions._SCHEMES, Ecosystem.NPM, Broken())
    version_key.cache_clear()
    try:
        key = version_key(Ecosystem.NPM, "1.2.3")
        assert not key.exact
        assert compare_versions(Ecosystem.NPM, "1.2.3", "1.2.4") < 0
    finally:
        version_key.cache_clear()

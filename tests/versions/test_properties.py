"""Order laws every scheme must obey, on well-formed and arbitrary input.

Range matching sorts and bisects versions, so a scheme that is not a total order (or that
raises on a weird string from a lockfile) produces wrong answers silently. These
properties are checked for every ecosystem, for the SemVer range type and for the generic
fallback used with unknown ecosystem strings.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.versions import VersionKey, compare_versions, scheme_for, semver_key, version_key
from bastion.versions.fallback import fallback_key
from tests.versions.cases import sign

_WORDS = [
    "alpha", "beta", "rc", "pre", "preview", "dev", "post", "final", "ga", "release",
    "snapshot", "SNAPSHOT", "RELEASE", "Final", "sp", "cr", "milestone", "m", "a", "b", "c",
    "p", "pl", "patch", "r", "x", "X", "git", "hg", "cvs", "svn", "stable", "master",
    "incompatible", "jre", "deb", "ubuntu", "dfsg", "bpo", "v", "V", "go", "é", "ß",
]  # fmt: skip
_SEPARATORS = [".", ".", ".", "-", "-", "_", "+", "~", ":", "!", "", " ", "*", "^", "/", "#", "@"]

_NUMBERS = st.one_of(
    st.integers(0, 20).map(str),
    st.sampled_from(["0", "00", "01", "007", "010"]),
    st.integers(0, 10**30).map(str),
)
_TOKEN = st.one_of(_NUMBERS, st.sampled_from(_WORDS))

# Strings shaped like versions: number/word tokens joined by version separators, with an
# optional prefix. They hit the interesting branches far more often than random text.
version_like = st.builds(
    lambda prefix, first, rest: prefix + first + "".join(sep + token for sep, token in rest),
    st.sampled_from(["", "", "", "v", "V", "=", "go", "dev-", "1:", " "]),
    _NUMBERS,
    st.lists(st.tuples(st.sampled_from(_SEPARATORS), _TOKEN), max_size=6),
)
any_version = st.one_of(version_like, version_like, st.text(max_size=25))

ECOSYSTEMS = list(Ecosystem)


def _key_sign(a: VersionKey, b: VersionKey) -> int:
    # Would raise TypeError if two keys of one ecosystem held incomparable values.
    return (a > b) - (a < b)


@pytest.mark.parametrize("ecosystem", ECOSYSTEMS)
@settings(max_examples=150)
@given(version=any_version)
def test_schemes_never_raise(ecosystem: Ecosystem, version: str) -> None:
    # Call the scheme itself, not version_key, whose except-clause would hide a bug.
    key = scheme_for(ecosystem).parse(version)
    assert isinstance(key, VersionKey)
    assert isinstance(key.key, tuple)
    hash(key)


@pytest.mark.parametrize("ecosystem", ECOSYSTEMS)
@settings(max_examples=150)
@given(a=any_version, b=any_version)
def test_antisymmetric_reflexive_and_consistent_with_keys(
    ecosystem: Ecosystem, a: str, b: str
) -> None:
    forward = compare_versions(ecosystem, a, b)
    assert isinstance(forward, int)
    assert sign(forward) == -sign(compare_versions(ecosystem, b, a))
    assert compare_versions(ecosystem, a, a) == 0
    key_a, key_b = version_key(ecosystem, a), version_key(ecosystem, b)
    assert _key_sign(key_a, key_b) == sign(forward)
    assert (key_a == key_b) == (forward == 0)
    if key_a == key_b:
        assert hash(key_a) == hash(key_b)
    # The string spelling of the ecosystem behaves exactly like the enum member.
    assert compare_versions(ecosystem.value, a, b) == forward


def _assert_transitive(compare: Callable[[str, str], int], a: str, b: str, c: str) -> None:
    ab, bc, ac = sign(compare(a, b)), sign(compare(b, c)), sign(compare(a, c))
    if ab <= 0 and bc <= 0:
        assert ac <= 0, (a, b, c)
        if ab == 0 and bc == 0:
            assert ac == 0, (a, b, c)
    if ab >= 0 and bc >= 0:
        assert ac >= 0, (a, b, c)


@pytest.mark.parametrize("ecosystem", ECOSYSTEMS)
@settings(max_examples=150)
@given(a=any_version, b=any_version, c=any_version)
def test_transitive(ecosystem: Ecosystem, a: str, b: str, c: str) -> None:
    _assert_transitive(lambda x, y: compare_versions(ecosystem, x, y), a, b, c)


@pytest.mark.parametrize("ecosystem", ECOSYSTEMS)
@settings(max_examples=60)
@given(versions=st.lists(any_version, min_size=2, max_size=8))
def test_sorting_by_key_is_a_total_preorder(ecosystem: Ecosystem, versions: list[str]) -> None:
    # Every adjacent pair of the sorted list is ordered, and hence (by transitivity, checked
    # above) every pair: the property bisect-based range matching relies on.
    ordered = sorted(versions, key=lambda v: version_key(ecosystem, v))
    for low, high in itertools.pairwise(ordered):
        assert compare_versions(ecosystem, low, high) <= 0


@settings(max_examples=300)
@given(a=any_version, b=any_version, c=any_version)
def test_semver_range_type_laws(a: str, b: str, c: str) -> None:
    def compare(x: str, y: str) -> int:
        return _key_sign(semver_key(x), semver_key(y))

    assert compare(a, a) == 0
    assert compare(a, b) == -compare(b, a)
    _assert_transitive(compare, a, b, c)


@settings(max_examples=300)
@given(a=any_version, b=any_version, c=any_version)
def test_unknown_ecosystem_laws(a: str, b: str, c: str) -> None:
    def compare(x: str, y: str) -> int:
        return compare_versions("NoSuchEcosystem", x, y)

    assert compare(a, a) == 0
    assert compare(a, b) == -compare(b, a)
    assert compare(a, b) == _key_sign(fallback_key(a), fallback_key(b))
    _assert_transitive(compare, a, b, c)

"""Maven versions (ComparableVersion, Maven 3.9)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.versions import compare_versions, version_key
from bastion.versions.maven import Item, parse_items
from tests.versions.cases import Case, case_params, check_ecosystem_case, sign


@pytest.mark.parametrize("case", case_params("maven"))
def test_maven_table(case: Case) -> None:
    check_ecosystem_case(Ecosystem.MAVEN, case)


def _reference_compare(item: Item, other: Item | None) -> int:
    """``ComparableVersion``'s item comparison, ported literally (3.9.x ``compareTo``).

    Items come from :func:`parse_items`: ints, comparable-qualifier strings, and lists.
    """
    if isinstance(item, int):
        if other is None:
            return 0 if item == 0 else 1
        if isinstance(other, int):
            return sign(item - other)
        return 1  # 1.1 > 1-sp, 1.1 > 1-1
    if isinstance(item, str):
        release = "5"
        if other is None:
            return (item > release) - (item < release)
        if isinstance(other, int):
            return -1
        if isinstance(other, str):
            return (item > other) - (item < other)
        return -1  # 1.any < 1-1
    if other is None:
        # MNG-6964: the whole list against null, not only its first item.
        for element in item:
            result = _reference_compare(element, None)
            if result:
                return result
        return 0
    if isinstance(other, int):
        return -1
    if isinstance(other, str):
        return 1
    for left, right in itertools.zip_longest(item, other):
        if left is None:
            assert right is not None
            result = -_reference_compare(right, None)
        else:
            result = _reference_compare(left, right)
        if result:
            return result
    return 0


def reference_compare(a: str, b: str) -> int:
    return _reference_compare(parse_items(a.lower()), parse_items(b.lower()))


@pytest.mark.parametrize("case", case_params("maven"))
def test_reference_port_agrees_with_the_table(case: Case) -> None:
    # Guards the reference used by the property test below.
    assert reference_compare(case.a, case.b) == case.expected


_QUALIFIERS = st.sampled_from(
    [
        "alpha",
        "beta",
        "milestone",
        "rc",
        "cr",
        "snapshot",
        "sp",
        "a",
        "b",
        "m",
        "foo",
        "jre",
        "android",
        "SNAPSHOT",
        "RC",
        "M",
        "Beta",
        "v",
        "xyz",
    ]
)
_NUMBER = st.integers(1, 12).map(str)
_RELEASE = st.lists(st.integers(0, 12).map(str), min_size=1, max_size=4).map(".".join)
# Items of a "-"-separated qualifier chain. Zeros and the release aliases (ga, final,
# release) are left out inside chains: they are the inputs on which ComparableVersion is
# itself not transitive (see bastion.versions.maven), where no key can agree with it.
_CHAIN_ITEM = _QUALIFIERS | _NUMBER | st.tuples(_QUALIFIERS, _NUMBER).map("".join)
_ENDING = st.sampled_from(
    ["", ".RELEASE", ".Final", ".GA", "-ga", "-final", ".SNAPSHOT", ".RC1", ".M2", ".sp"]
)
_REALISTIC = st.builds(
    lambda release, chain, ending: release + "".join("-" + c for c in chain) + ending,
    _RELEASE,
    st.lists(_CHAIN_ITEM, max_size=3),
    _ENDING,
)


@settings(max_examples=500)
@given(_REALISTIC, _REALISTIC)
def test_key_order_is_comparable_version_order(a: str, b: str) -> None:
    assert sign(compare_versions(Ecosystem.MAVEN, a, b)) == reference_compare(a, b)


@pytest.mark.parametrize("version", ["", "1", "abc", "1..2", "--", "é", "1.0-SNAPSHOT"])
def test_every_string_is_an_exact_maven_version(version: str) -> None:
    assert version_key(Ecosystem.MAVEN, version).exact


def test_documented_intransitivity_is_resolved_consistently() -> None:
    # ComparableVersion 3.9 reports 1-alpha < 1 < 1.sp.1 but 1-alpha > 1.sp.1; the key
    # keeps the two comparisons against "1".
    low, mid, high = "1-alpha", "1", "1.sp.1"
    assert reference_compare(low, mid) < 0 < reference_compare(high, mid)
    assert reference_compare(low, high) > 0
    assert compare_versions(Ecosystem.MAVEN, low, mid) < 0
    assert compare_versions(Ecosystem.MAVEN, mid, high) < 0
    assert compare_versions(Ecosystem.MAVEN, low, high) < 0

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.matching.affected import match_affected


def _entry(
    *ranges: tuple[str, list[dict[str, str]]], versions: list[str] | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"ranges": [{"type": t, "events": e} for t, e in ranges]}
    if versions is not None:
        entry["versions"] = versions
    return entry


SIMPLE = _entry(("ECOSYSTEM", [{"introduced": "0"}, {"fixed": "4.17.21"}]))
LAST_AFFECTED = _entry(("ECOSYSTEM", [{"introduced": "5.2.1"}, {"last_affected": "6.5.6"}]))
TWO_RANGES_UNSORTED = _entry(
    (
        "SEMVER",
        [{"fixed": "2.5.0"}, {"introduced": "2.0.0"}, {"fixed": "1.4.2"}, {"introduced": "1.0.0"}],
    )
)
LIMIT = _entry(("SEMVER", [{"introduced": "1.0.0"}, {"limit": "1.5.0"}]))
PRERELEASE = _entry(("SEMVER", [{"introduced": "0"}, {"fixed": "5.0.0-beta.3"}]))
TWO_COMPONENT = _entry(("SEMVER", [{"introduced": "1.0"}, {"fixed": "1.2.3"}]))
GIT_ONLY = _entry(("GIT", [{"introduced": "0"}, {"fixed": "abcdef"}]))
VERSIONS_ONLY = {"versions": ["1.0", "1.1"]}
EMPTY_AT_SAME_VERSION = _entry(("ECOSYSTEM", [{"fixed": "1.0.0"}, {"introduced": "1.0.0"}]))
ONLY_FIXED = _entry(("ECOSYSTEM", [{"fixed": "2.0.0"}]))


@pytest.mark.parametrize(
    ("entry", "ecosystem", "version", "affected", "fixed"),
    [
        (SIMPLE, Ecosystem.NPM, "4.17.15", True, "4.17.21"),
        (SIMPLE, Ecosystem.NPM, "4.17.21", False, None),  # fixed version itself is safe
        (SIMPLE, Ecosystem.NPM, "4.17.20", True, "4.17.21"),
        (LAST_AFFECTED, Ecosystem.NPM, "6.5.6", True, None),  # inclusive upper bound
        (LAST_AFFECTED, Ecosystem.NPM, "6.5.7", False, None),
        (LAST_AFFECTED, Ecosystem.NPM, "5.2.0", False, None),
        (LAST_AFFECTED, Ecosystem.NPM, "5.2.1", True, None),
        (TWO_RANGES_UNSORTED, Ecosystem.CRATES_IO, "0.9.0", False, None),
        (TWO_RANGES_UNSORTED, Ecosystem.CRATES_IO, "1.3.0", True, "1.4.2"),
        (TWO_RANGES_UNSORTED, Ecosystem.CRATES_IO, "1.4.2", False, None),
        (TWO_RANGES_UNSORTED, Ecosystem.CRATES_IO, "2.1.0", True, "2.5.0"),
        (LIMIT, Ecosystem.GO, "1.4.9", True, None),
        (LIMIT, Ecosystem.GO, "1.5.0", False, None),
        (PRERELEASE, Ecosystem.NPM, "5.0.0-alpha.1", True, "5.0.0-beta.3"),
        (PRERELEASE, Ecosystem.NPM, "5.0.0-beta.3", False, None),
        (PRERELEASE, Ecosystem.NPM, "5.0.0", False, None),
        (TWO_COMPONENT, Ecosystem.NPM, "1.0.0", True, "1.2.3"),
        (TWO_COMPONENT, Ecosystem.NPM, "0.9.9", False, None),
        (GIT_ONLY, Ecosystem.NPM, "1.0.0", False, None),
        (VERSIONS_ONLY, Ecosystem.PYPI, "1.1", True, None),
        (VERSIONS_ONLY, Ecosystem.PYPI, "1.1.0", True, None),  # PEP 440: same release
        (VERSIONS_ONLY, Ecosystem.PYPI, "1.2", False, None),
        (EMPTY_AT_SAME_VERSION, Ecosystem.NPM, "1.0.0", False, None),
        (ONLY_FIXED, Ecosystem.NPM, "1.9.9", True, "2.0.0"),
        # Go versions carry a "v" and pseudo-versions sort as pre-releases.
        (
            _entry(
                ("SEMVER", [{"introduced": "0"}, {"fixed": "0.0.0-20201216223049-8b5274cf687f"}])
            ),
            Ecosystem.GO,
            "v0.0.0-20200220183623-bac4c82f6975",
            True,
            "0.0.0-20201216223049-8b5274cf687f",
        ),
        (
            _entry(("SEMVER", [{"introduced": "0"}, {"fixed": "3.2.1"}])),
            Ecosystem.GO,
            "v3.2.0+incompatible",
            True,
            "3.2.1",
        ),
        # PyPI ECOSYSTEM ranges use PEP 440: 2.2 == 2.2.0, rc before final.
        (
            _entry(("ECOSYSTEM", [{"introduced": "2.2"}, {"fixed": "2.2.1"}])),
            Ecosystem.PYPI,
            "2.2.0",
            True,
            "2.2.1",
        ),
        (
            _entry(("ECOSYSTEM", [{"introduced": "0"}, {"fixed": "2.0"}])),
            Ecosystem.PYPI,
            "2.0rc1",
            True,
            "2.0",
        ),
        # Maven ordering: qualifiers and four-part versions.
        (
            _entry(("ECOSYSTEM", [{"introduced": "2.13.0"}, {"fixed": "2.13.2.1"}])),
            Ecosystem.MAVEN,
            "2.13.2",
            True,
            "2.13.2.1",
        ),
        (
            _entry(("ECOSYSTEM", [{"introduced": "0"}, {"fixed": "5.2.20.RELEASE"}])),
            Ecosystem.MAVEN,
            "5.2.19.RELEASE",
            True,
            "5.2.20.RELEASE",
        ),
        (
            _entry(("ECOSYSTEM", [{"introduced": "0"}, {"fixed": "5.2.20.RELEASE"}])),
            Ecosystem.MAVEN,
            "5.2.20",
            False,
            None,
        ),
    ],
)
def test_match(
    entry: dict[str, Any], ecosystem: Ecosystem, version: str, affected: bool, fixed: str | None
) -> None:
    result = match_affected(entry, ecosystem, version)
    assert result.affected is affected
    assert result.fixed_version == fixed


def test_fixed_version_skips_a_fix_that_another_range_still_covers() -> None:
    entry = _entry(
        ("ECOSYSTEM", [{"introduced": "0"}, {"fixed": "1.0.0"}]),
        ("ECOSYSTEM", [{"introduced": "0.5.0"}, {"fixed": "1.3.0"}]),
    )
    assert match_affected(entry, Ecosystem.NPM, "0.7.0").fixed_version == "1.3.0"


def test_ranges_text() -> None:
    assert match_affected(SIMPLE, Ecosystem.NPM, "1.0.0").ranges_text == ">=0, <4.17.21"
    assert match_affected(LAST_AFFECTED, Ecosystem.NPM, "6.0.0").ranges_text == ">=5.2.1, <=6.5.6"
    assert (
        match_affected(TWO_RANGES_UNSORTED, Ecosystem.NPM, "1.0.0").ranges_text
        == ">=1.0.0, <1.4.2 || >=2.0.0, <2.5.0"
    )
    assert match_affected(VERSIONS_ONLY, Ecosystem.PYPI, "1.0").ranges_text == "versions 1.0, 1.1"


def test_unparsable_installed_version_is_marked_approximate() -> None:
    result = match_affected(SIMPLE, Ecosystem.NPM, "not-a-version!")
    assert result.affected is False or result.approximate


def test_malformed_entries_never_match() -> None:
    assert not match_affected({"ranges": "oops"}, Ecosystem.NPM, "1.0.0").affected
    assert not match_affected(
        {"ranges": [{"type": "SEMVER", "events": [{"introduced": 5}]}]}, Ecosystem.NPM, "1.0.0"
    ).affected


events = st.lists(
    st.dictionaries(
        st.sampled_from(["introduced", "fixed", "last_affected", "limit", "bogus"]),
        st.one_of(
            st.text(max_size=12),
            st.from_regex(r"v?[0-9]{1,3}(\.[0-9]{1,3}){0,3}(-[a-z0-9.]{1,6})?", fullmatch=True),
        ),
        min_size=1,
        max_size=1,
    ),
    max_size=6,
)


@given(
    st.sampled_from(list(Ecosystem)),
    st.lists(st.tuples(st.sampled_from(["SEMVER", "ECOSYSTEM", "GIT", "X"]), events), max_size=3),
    st.lists(st.text(max_size=10), max_size=3),
    st.text(max_size=16),
)
def test_matching_never_raises(
    ecosystem: Ecosystem,
    ranges: list[tuple[str, list[dict[str, str]]]],
    versions: list[str],
    version: str,
) -> None:
    result = match_affected(_entry(*ranges, versions=versions), ecosystem, version)
    assert isinstance(result.affected, bool)


def test_go_import_paths_and_symbols_are_carried() -> None:
    entry = _entry(("SEMVER", [{"introduced": "0"}, {"fixed": "1.6.0"}]))
    entry["ecosystem_specific"] = {
        "imports": [{"path": "github.com/gin-gonic/gin", "symbols": ["Default", "Logger"]}]
    }
    result = match_affected(entry, Ecosystem.GO, "v1.5.0")
    assert [(i.path, i.symbols) for i in result.imports] == [
        ("github.com/gin-gonic/gin", ("Default", "Logger"))
    ]

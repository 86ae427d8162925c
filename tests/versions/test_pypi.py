"""PyPI (PEP 440) versions, including LegacyVersion-style ordering of invalid ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version

from bastion.ecosystems import Ecosystem
from bastion.versions import version_key
from tests.versions.cases import Case, case_params, check_ecosystem_case


@pytest.mark.parametrize("case", case_params("pypi"))
def test_pypi_table(case: Case) -> None:
    check_ecosystem_case(Ecosystem.PYPI, case)


@pytest.mark.parametrize("version", ["1.0", "1.0.post1", "1!2.0rc1.dev3+local.7", "v1.0"])
def test_pep440_versions_are_exact(version: str) -> None:
    assert version_key(Ecosystem.PYPI, version).exact


@pytest.mark.parametrize("version", ["0.9-doduo", "1.0.0-SNAPSHOT", "2004d", "", "dev"])
def test_legacy_versions_are_inexact_and_below_every_valid_version(version: str) -> None:
    key = version_key(Ecosystem.PYPI, version)
    assert not key.exact
    assert key < version_key(Ecosystem.PYPI, "0.dev0")
    assert key < version_key(Ecosystem.PYPI, "0!0")


_PEP440 = st.builds(
    lambda epoch, release, pre, post, dev, local: (
        (f"{epoch}!" if epoch else "")
        + ".".join(map(str, release))
        + (f"{pre[0]}{pre[1]}" if pre else "")
        + (f".post{post}" if post is not None else "")
        + (f".dev{dev}" if dev is not None else "")
        + (f"+{local}" if local else "")
    ),
    st.integers(0, 2),
    st.lists(st.integers(0, 12), min_size=1, max_size=4),
    st.none() | st.tuples(st.sampled_from(["a", "b", "rc"]), st.integers(0, 3)),
    st.none() | st.integers(0, 3),
    st.none() | st.integers(0, 3),
    st.none() | st.from_regex(r"[a-z0-9]{1,3}(\.[a-z0-9]{1,3}){0,2}", fullmatch=True),
)


@given(_PEP440, _PEP440)
def test_agrees_with_packaging(a: str, b: str) -> None:
    # packaging.version.Version is the reference implementation of PEP 440 ordering.
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:  # pragma: no cover - the strategy only builds valid versions
        raise AssertionError((a, b)) from None
    ka, kb = version_key(Ecosystem.PYPI, a), version_key(Ecosystem.PYPI, b)
    assert (ka < kb) == (va < vb)
    assert (ka == kb) == (va == vb)

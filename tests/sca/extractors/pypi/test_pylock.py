"""PEP 751 pylock fixtures.

* uv-workspace/pylock.toml: ``uv export --format pylock.toml --all-extras --all-groups``
  (uv 0.13.9) of the uv-workspace project; no graph, the pyproject.toml beside it says
  what is direct.
* pipenv/pylock.pipenv.toml: ``pipenv pylock --generate`` (pipenv 2026.10.3); groups only
  in markers, no pyproject.toml.
* pylock-spec/pylock.spec.toml: hand-written from the specification, for the parts the
  tools here do not write (``dependencies``, ``vcs``, ``archive``, extras markers).
"""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.sca.extractors.base import ExtractionError
from bastion.sca.extractors.pypi.pylock import PylockExtractor
from tests.sca.extractors.pypi.support import (
    TESTDATA,
    Row,
    by_name,
    extract_bytes,
    extract_in,
    rows,
)

EXTRACTOR = PylockExtractor()

EXPECTED: dict[str, list[Row]] = {
    "uv-workspace/pylock.toml": [
        ("attrs", "23.2.0", True, "test", ("attrs",)),
        ("idna", "3.20", True, None, ("idna",)),
        ("importlib-metadata", "8.7.1", True, None, ("importlib-metadata",)),
        ("importlib-metadata", "8.9.0", True, None, ("importlib-metadata",)),
        ("iniconfig", "2.1.0", True, "dev", ("iniconfig",)),
        ("iniconfig", "2.3.1", True, "dev", ("iniconfig",)),
        ("localpkg", None, True, None, ("localpkg",)),
        ("member", None, True, None, ("member",)),
        ("six", "1.16.0", True, None, ("six",)),
        ("tomli", "2.5.0", True, "toml", ("tomli",)),
        # Not declared in pyproject.toml; without a graph, no path.
        ("zipp", "3.23.1", False, None, ()),
        ("zipp", "4.1.2", False, None, ()),
    ],
    "pipenv/pylock.pipenv.toml": [
        ("idna", "3.20", True, None, ("idna",)),
        ("importlib-metadata", "8.9.0", True, None, ("importlib-metadata",)),
        ("localpkg", None, True, None, ("localpkg",)),
        ("six", "1.16.0", True, None, ("six",)),
        ("zipp", "4.1.2", True, None, ("zipp",)),
        ("attrs", "23.2.0", True, "dev", ("attrs",)),
        ("iniconfig", "2.3.1", True, "dev", ("iniconfig",)),
    ],
    "pylock-spec/pylock.spec.toml": [
        ("cattrs", "24.2.0", True, None, ("cattrs",)),
        ("attrs", "25.1.0", False, None, ("cattrs", "attrs")),
        ("exceptiongroup", "1.2.2", False, None, ("cattrs", "exceptiongroup")),
        ("acme-tool", None, True, None, ("acme-tool",)),
        ("vendored-lib", "1.0.0", True, None, ("vendored-lib",)),
        ("pysocks", "1.7.1", True, "socks", ("pysocks",)),
        ("iniconfig", "2.0.0", True, "dev", ("iniconfig",)),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    directory, _, name = fixture.partition("/")
    deps = extract_in(EXTRACTOR, TESTDATA / directory, name)
    assert rows(deps) == EXPECTED[fixture]
    for dep in deps:
        assert (dep.ecosystem, dep.source, dep.extractor) == (Ecosystem.PYPI, name, "pypi/pylock")
        assert dep.line is not None


def test_notes_and_lines() -> None:
    deps = by_name(extract_in(EXTRACTOR, TESTDATA / "pylock-spec", "pylock.spec.toml"))
    assert deps["acme-tool"].note == (
        "from git (https://github.com/acme/tool.git@4f7e3a6c2d9b8a1e0f5c4b3a2d1e0f9a8b7c6d5e), "
        "no version recorded"
    )
    assert deps["vendored-lib"].note == "from an archive (vendor/vendored_lib-1.0.0.tar.gz)"
    assert deps["cattrs"].note is None
    assert (deps["cattrs"].line, deps["iniconfig"].line) == (18, 73)
    uv = by_name(extract_in(EXTRACTOR, TESTDATA / "uv-workspace", "pylock.toml"))
    assert uv["member"].note == "from a local directory (packages/member), no version recorded"


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("pylock.toml", True),
        ("a/pylock.dev.toml", True),
        ("pylock.a.b.toml", False),
        ("pylock.toml.bak", False),
        ("Pylock.toml", False),
        ("pylock..toml", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert EXTRACTOR.wants(PurePosixPath(path)) is wanted


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "'lock-version' is missing"),
        (b"lock-version = 1.0\n", "'lock-version' is missing or not a string"),
        (b"lock-version = '1.0'\npackages = 1\n", "'packages' should be an array of tables"),
        (b"lock-version = '1.0'\n[[packages]]\nversion = '1'\n", "package has no 'name'"),
        (
            b"lock-version = '1.0'\n[[packages]]\nname = 'a'\ndependencies = ['b']\n",
            "'dependencies' of package a should name packages",
        ),
        (b"lock-version = '1.0'\n[[packages]]\nname = 'a'\nvcs = 'git'\n", "'vcs' of package a"),
        (b"lock-version = '1.0\n", "invalid TOML"),
    ],
)
def test_broken(data: bytes, message: str) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract_bytes(EXTRACTOR, data, "pylock.toml")

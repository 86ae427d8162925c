"""poetry.lock fixtures, each produced by the real Poetry from the pyproject.toml beside it.

* poetry-v1.1: Poetry 1.2.2 (lock-version 1.1, ``category``, ``[metadata.files]``)
* poetry-v2.0: Poetry 1.4.2 (lock-version 2.0, ``category``, ``files`` per package)
* poetry-v2.1: Poetry 2.5.1 (lock-version 2.1, ``groups``, PEP 621 ``[project]``)
* poetry-sources: Poetry 2.5.1 with git, url and file dependencies and no pyproject.toml
  beside the lock. The git dependency was a local repository; its URL was replaced by
  an https one afterwards.

PyPI's JSON API is not reachable here, so the projects point Poetry at PyPI's simple
index as a named source; hence ``[package.source] type = "legacy"`` entries.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.pypi.poetrylock import PoetryLockExtractor
from tests.sca.extractors.pypi.support import (
    TESTDATA,
    Row,
    by_name,
    extract_bytes,
    extract_in,
    rows,
)

EXTRACTOR = PoetryLockExtractor()


def _classic(attrs: str, importlib_metadata: str) -> list[Row]:
    return [
        ("attrs", attrs, True, "dev", ("attrs",)),
        ("idna", "3.20", True, None, ("idna",)),
        ("importlib-metadata", importlib_metadata, True, None, ("importlib-metadata",)),
        ("iniconfig", "2.1.0", True, "dev", ("iniconfig",)),
        ("localpkg", "0.1.0", True, None, ("localpkg",)),
        ("six", "1.16.0", True, None, ("six",)),
        ("tomli", "2.5.0", True, "optional", ("tomli",)),
        ("zipp", "3.23.1", False, None, ("importlib-metadata", "zipp")),
    ]


EXPECTED: dict[str, list[Row]] = {
    "poetry-v1.1": _classic("23.1.0", "6.11.0"),
    "poetry-v2.0": _classic("23.1.0", "6.11.0"),
    "poetry-v2.1": _classic("26.1.0", "8.7.1"),
    "poetry-sources": [
        ("gitpkg", "1.4.0", True, None, ("gitpkg",)),
        ("iniconfig", "2.1.0", True, None, ("iniconfig",)),
        ("localpkg", "0.1.0", True, None, ("localpkg",)),
        ("six", "1.17.0", False, None, ("gitpkg", "six")),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    deps = extract_in(EXTRACTOR, TESTDATA / fixture, "poetry.lock")
    assert rows(deps) == EXPECTED[fixture]
    for dep in deps:
        assert (dep.ecosystem, dep.source, dep.extractor) == (
            Ecosystem.PYPI,
            "poetry.lock",
            "pypi/poetrylock",
        )
        assert dep.line is not None
        assert not dep.approximate


def test_lines_and_notes() -> None:
    deps = by_name(extract_in(EXTRACTOR, TESTDATA / "poetry-v2.1", "poetry.lock"))
    assert deps["attrs"].line == 4
    assert deps["zipp"].line == 199
    assert deps["localpkg"].note == "from a local directory (localpkg)"
    assert deps["six"].note is None  # a "legacy" index source is still an index

    sources = by_name(extract_in(EXTRACTOR, TESTDATA / "poetry-sources", "poetry.lock"))
    assert sources["gitpkg"].note == (
        "from git (https://github.com/acme/gitpkg.git@1906d9e008ae60ff03706b17188b8916f6f5be04)"
    )
    assert sources["iniconfig"].note is not None
    assert sources["iniconfig"].note.startswith("from a URL (https://files.pythonhosted.org/")
    assert sources["localpkg"].note == (
        "from a local file (wheels/localpkg-0.1.0-py3-none-any.whl)"
    )


def test_without_pyproject_the_unrequired_packages_are_direct() -> None:
    data = (TESTDATA / "poetry-v2.1" / "poetry.lock").read_bytes()
    deps = by_name(extract_bytes(EXTRACTOR, data, "poetry.lock"))
    assert {name for name, dep in deps.items() if not dep.direct} == {"zipp"}


def test_group_from_the_manifest_when_the_lock_has_none() -> None:
    # Poetry 1.5 to 1.8 wrote neither ``category`` nor ``groups``.
    lock = b"""
[[package]]
name = "pytest"
version = "8.0.0"
[package.dependencies]
pluggy = ">=1.3"

[[package]]
name = "pluggy"
version = "1.4.0"

[[package]]
name = "six"
version = "1.16.0"

[metadata]
lock-version = "2.0"
"""
    pyproject = b"""
[tool.poetry.dependencies]
python = "^3.9"
six = "1.16.0"
[tool.poetry.group.test.dependencies]
pytest = "^8"
"""

    def read(path: PurePosixPath) -> bytes | None:
        return pyproject if str(path) == "pyproject.toml" else None

    deps = EXTRACTOR.extract(ExtractInput(PurePosixPath("poetry.lock"), lock, read))
    assert rows(deps) == [
        ("pytest", "8.0.0", True, "test", ("pytest",)),
        ("pluggy", "1.4.0", False, "test", ("pytest", "pluggy")),
        ("six", "1.16.0", True, None, ("six",)),
    ]


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"[[package]]\nname = ", "invalid TOML: Invalid value$", 2),
        (b"[[package]]\nname = 1 1\n", "invalid TOML", 2),
        (b"package = 3\n", "'package' should be an array of tables", None),
        (b'[[package]]\nversion = "1.0"\n', "package has no 'name'", None),
        (b'[[package]]\nname = "a"\n', "package a has no 'version'", 2),
        (b'[[package]]\nname = "a"\nversion = "1"\nsource = "x"\n', "'source' of package a", 2),
        (b"[metadata]\nlock-version = 2\n", "'metadata.lock-version' should be a string", None),
        (b"\xff\xfe", "not UTF-8", None),
    ],
)
def test_broken(data: bytes, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError, match=message) as caught:
        extract_bytes(EXTRACTOR, data, "poetry.lock")
    assert caught.value.line == line

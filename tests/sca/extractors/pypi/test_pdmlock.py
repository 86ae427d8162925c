"""pdm.lock fixtures, produced by ``pdm lock`` (PDM 2.24.2, lock_version 4.5.0).

* pdm: ``pdm lock -G :all`` over PEP 621 dependencies, an extra, a PEP 735 group, a
  ``[tool.pdm.dev-dependencies]`` group and a local path dependency.
* pdm-sources: a git dependency (a local repository whose URL was replaced by an https
  one afterwards) and ``requests[socks]``, which PDM locks as a second ``requests``
  entry with ``extras = ["socks"]``.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.pypi.pdmlock import PdmLockExtractor
from tests.sca.extractors.pypi.support import (
    TESTDATA,
    Row,
    by_name,
    extract_bytes,
    extract_in,
    rows,
)

EXTRACTOR = PdmLockExtractor()

EXPECTED: dict[str, list[Row]] = {
    "pdm": [
        ("attrs", "23.2.0", True, "test", ("attrs",)),
        ("idna", "3.20", True, None, ("idna",)),
        ("importlib-metadata", "8.7.1", True, None, ("importlib-metadata",)),
        ("iniconfig", "2.1.0", True, "dev", ("iniconfig",)),
        ("localpkg", "0.1.0", True, None, ("localpkg",)),
        ("six", "1.16.0", True, None, ("six",)),
        ("tomli", "2.5.0", True, "toml", ("tomli",)),
        ("zipp", "3.23.1", False, None, ("importlib-metadata", "zipp")),
    ],
    "pdm-sources": [
        ("certifi", "2026.10.18", False, None, ("requests", "certifi")),
        ("charset-normalizer", "3.5.2", False, None, ("requests", "charset-normalizer")),
        ("gitpkg", "1.4.0", True, None, ("gitpkg",)),
        ("idna", "3.20", False, None, ("requests", "idna")),
        # Only the extras entry lists PySocks; it is merged into the plain entry.
        ("pysocks", "1.7.1", False, None, ("requests", "pysocks")),
        ("requests", "2.32.3", True, None, ("requests",)),
        ("six", "1.17.0", False, None, ("gitpkg", "six")),
        ("urllib3", "2.8.0", False, None, ("requests", "urllib3")),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    deps = extract_in(EXTRACTOR, TESTDATA / fixture, "pdm.lock")
    assert rows(deps) == EXPECTED[fixture]
    for dep in deps:
        assert (dep.ecosystem, dep.source, dep.extractor) == (
            Ecosystem.PYPI,
            "pdm.lock",
            "pypi/pdmlock",
        )
        assert dep.line is not None


def test_lines_and_notes() -> None:
    deps = by_name(extract_in(EXTRACTOR, TESTDATA / "pdm-sources", "pdm.lock"))
    assert deps["gitpkg"].line == 174
    assert deps["requests"].line == 209  # the plain entry, not the extras one
    assert deps["gitpkg"].note == (
        "from git (https://github.com/acme/gitpkg.git@1906d9e008ae60ff03706b17188b8916f6f5be04)"
    )
    assert by_name(extract_in(EXTRACTOR, TESTDATA / "pdm", "pdm.lock"))["localpkg"].note == (
        "from a local path (./localpkg)"
    )


def test_without_pyproject_the_unrequired_packages_are_direct() -> None:
    data = (TESTDATA / "pdm-sources" / "pdm.lock").read_bytes()
    deps = extract_bytes(EXTRACTOR, data, "pdm.lock")
    assert sorted(d.name for d in deps if d.direct) == ["gitpkg", "requests"]


def test_old_lock_without_groups_and_the_project_itself() -> None:
    lock = b"""[metadata]
lock_version = "4.2"

[[package]]
name = "demo"
version = "0.1.0"
path = "."
editable = true
dependencies = ["pytest"]

[[package]]
name = "pytest"
version = "8.0.0"
dependencies = ["pluggy<2,>=1.3"]

[[package]]
name = "pluggy"
version = "1.4.0"
"""
    pyproject = b'[tool.pdm.dev-dependencies]\ntest = ["pytest>=8"]\n'

    def read(path: PurePosixPath) -> bytes | None:
        return pyproject if path == PurePosixPath("pyproject.toml") else None

    deps = EXTRACTOR.extract(ExtractInput(PurePosixPath("pdm.lock"), lock, read))
    assert rows(deps) == [
        ("pytest", "8.0.0", True, "test", ("pytest",)),
        ("pluggy", "1.4.0", False, "test", ("pytest", "pluggy")),
    ]


def test_extras_entries_without_a_plain_one() -> None:
    lock = b"""
[[package]]
name = "requests"
version = "2.32.3"
extras = ["socks"]
dependencies = ["PySocks>=1.5.6", "requests==2.32.3"]

[[package]]
name = "requests"
version = "2.32.3"
extras = ["security"]
dependencies = ["requests==2.32.3"]

[[package]]
name = "pysocks"
version = "1.7.1"
"""
    assert rows(extract_bytes(EXTRACTOR, lock, "pdm.lock")) == [
        ("pysocks", "1.7.1", False, None, ("requests", "pysocks")),
        ("requests", "2.32.3", True, None, ("requests",)),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[metadata]\ngroups = 'default'\n", "'metadata.groups' should be a list of strings"),
        (b"[[package]]\nversion = '1'\n", "package has no 'name'"),
        (b"[[package]]\nname = 'a'\ngroups = [1]\n", "'groups' of package a"),
        (b"[[package]]\nname = 'a'\ndependencies = 'b'\n", "'dependencies' of a"),
        (b"[[package]]\nname = 'a'\ngit = 1\n", "'git' of package a should be a string"),
        (b"package = 1\n", "'package' should be an array of tables"),
        (b"[[package]]\nname = 'a\n", "invalid TOML"),
    ],
)
def test_broken(data: bytes, message: str) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract_bytes(EXTRACTOR, data, "pdm.lock")

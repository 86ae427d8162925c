"""uv.lock fixtures, produced by ``uv lock`` (uv 0.13.9, lock version 1 revision 5).

* uv-workspace: a root project with a workspace member, a path dependency, an extra, two
  dependency groups (one including the other) and packages locked at two versions for
  different Python versions.
* uv-sources: a virtual root (``package = false``) with a git dependency (a local
  repository whose URL was replaced by an https one afterwards), a direct URL and an
  editable path dependency with a dynamic version (so no version in the lock).
* uv-virtual-workspace: a workspace root without ``[project]``, two members, one using
  the other, and a dependency group of the root.
"""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.sca.extractors.base import ExtractionError
from bastion.sca.extractors.pypi.uvlock import UvLockExtractor
from tests.sca.extractors.pypi.support import TESTDATA, Row, extract_bytes, extract_in, rows

EXTRACTOR = UvLockExtractor()

EXPECTED: dict[str, list[Row]] = {
    "uv-workspace": [
        # attrs is in the "test" group of the root, but the member (main) needs it too.
        ("attrs", "23.2.0", True, None, ("attrs",)),
        ("idna", "3.20", True, None, ("idna",)),
        ("importlib-metadata", "8.7.1", True, None, ("importlib-metadata",)),
        ("importlib-metadata", "8.9.0", True, None, ("importlib-metadata",)),
        ("iniconfig", "2.1.0", True, "dev", ("iniconfig",)),
        ("iniconfig", "2.3.1", True, "dev", ("iniconfig",)),
        ("localpkg", "0.1.0", True, None, ("localpkg",)),
        ("member", "0.2.0", True, "local", ("member",)),
        ("six", "1.16.0", True, None, ("six",)),
        ("tomli", "2.5.0", True, "toml", ("tomli",)),
        ("zipp", "3.23.1", False, None, ("importlib-metadata", "zipp")),
        ("zipp", "4.1.2", False, None, ("importlib-metadata", "zipp")),
    ],
    "uv-sources": [
        ("dynpkg", None, True, None, ("dynpkg",)),
        ("gitpkg", "1.4.0", True, None, ("gitpkg",)),
        ("iniconfig", "2.1.0", True, None, ("iniconfig",)),
        ("six", "1.17.0", False, None, ("gitpkg", "six")),
    ],
    "uv-virtual-workspace": [
        # "app" is a member nothing depends on: the project itself.
        ("idna", "3.10", True, None, ("idna",)),
        ("iniconfig", "2.3.1", True, "dev", ("iniconfig",)),
        ("lib", "0.5.0", True, "local", ("lib",)),
        ("six", "1.16.0", False, None, ("lib", "six")),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    deps = extract_in(EXTRACTOR, TESTDATA / fixture, "uv.lock")
    assert rows(deps) == EXPECTED[fixture]
    for dep in deps:
        assert (dep.ecosystem, dep.source, dep.extractor) == (
            Ecosystem.PYPI,
            "uv.lock",
            "pypi/uvlock",
        )
        assert dep.line is not None


def test_the_two_zipp_versions_hang_off_the_matching_importlib_metadata() -> None:
    deps = extract_in(EXTRACTOR, TESTDATA / "uv-workspace", "uv.lock")
    lines = {(d.name, d.version): d.line for d in deps}
    assert lines[("importlib-metadata", "8.7.1")] == 81
    assert lines[("zipp", "4.1.2")] == 244


def test_notes() -> None:
    notes = {d.name: d.note for d in extract_in(EXTRACTOR, TESTDATA / "uv-sources", "uv.lock")}
    assert notes == {
        "dynpkg": "editable local project (dynpkg), no version recorded",
        "gitpkg": "from git (https://github.com/acme/gitpkg?tag=v1.4.0"
        "#1906d9e008ae60ff03706b17188b8916f6f5be04)",
        "iniconfig": "from a URL (https://files.pythonhosted.org/packages/2c/e1/"
        "e6716421ea10d38022b952c159d5161ca1193197fb744506875fbb87ea7b/iniconfig-...)",
        "six": None,
    }
    workspace = {
        d.name: d.note for d in extract_in(EXTRACTOR, TESTDATA / "uv-workspace", "uv.lock")
    }
    assert workspace["member"] == "workspace member (packages/member)"
    assert workspace["localpkg"] == "from a local directory (localpkg)"


def test_cycles_and_unknown_references_are_harmless() -> None:
    lock = b"""version = 1
[[package]]
name = "root"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "a" }, { name = "ghost" }]

[[package]]
name = "a"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "b" }]

[[package]]
name = "b"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "a" }, { name = "root" }]
"""
    assert rows(extract_bytes(EXTRACTOR, lock, "uv.lock")) == [
        ("a", "1.0", True, None, ("a",)),
        ("b", "2.0", False, None, ("a", "b")),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'version = "1"\n', "'version' should be a number"),
        (b"package = {}\n", "'package' should be an array of tables"),
        (b"[[package]]\nversion = '1'\n", "package has no 'name'"),
        (b"[[package]]\nname = 'a'\nversion = 1\n", "'version' of package a should be a string"),
        (b"[[package]]\nname = 'a'\nsource = 'pypi'\n", "'source' of a should be a table"),
        (b"[[package]]\nname = 'a'\ndependencies = ['b']\n", "dependencies of a should be tables"),
        (b"[manifest]\nmembers = 'a'\n", "'members' should be a list of strings"),
        (b"[[package]\n", "invalid TOML"),
    ],
)
def test_broken(data: bytes, message: str) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract_bytes(EXTRACTOR, data, "uv.lock")

"""pyproject.toml as a manifest.

The fixtures beside the lockfiles are the projects the real tools locked (see the
lockfile tests); pyproject-forms is hand-written to cover every declaration form.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.pypi.pyproject import PyprojectExtractor
from tests.sca.extractors.pypi.support import TESTDATA, extract_bytes, extract_in

EXTRACTOR = PyprojectExtractor()
LOWER = "lower bound, not a pin"
UPPER = "upper bound, not a pin"
NONE = "no pinned version"

# (name, version, group, line, approximate, note)
Decl = tuple[str, str | None, str | None, int | None, bool, str | None]

EXPECTED: dict[str, list[Decl]] = {
    "pyproject-forms": [
        ("requests", "2.31.0", None, 6, False, None),
        ("click", "8", None, 7, True, LOWER),
        ("rich", "13.7", None, 8, True, UPPER),
        ("httpx", None, None, 9, False, NONE),
        ("anyio", None, None, 10, False, NONE),
        ("sniffio", None, None, 11, False, NONE),
        (
            "pip",
            None,
            None,
            12,
            False,
            f"installed from a URL (https://github.com/pypa/pip/archive/22.0.zip), {NONE}",
        ),
        ("certifi", None, None, 13, False, NONE),
        # "demo-forms[docs]" is the project itself.
        ("tomli", None, "all", 17, False, NONE),
        ("sphinx", "7.2.6", "docs", 18, False, None),
        ("ruff", "0.4.4", "lint", 21, False, None),
        ("pytest", "8.0", "dev", 22, True, LOWER),
        ("numpy", "1.26.4", None, 28, False, None),
        ("numpy", "1.24", None, 28, True, LOWER),
        (
            "gitpkg",
            None,
            None,
            32,
            False,
            f"from git (https://github.com/acme/gitpkg.git@v1.4.0), {NONE}",
        ),
        ("localpkg", None, None, 33, False, f"local path (../localpkg), {NONE}"),
        (
            "wheelpkg",
            None,
            None,
            34,
            False,
            f"installed from a URL (https://example.com/wheelpkg-1.0-py3-none-any.whl), {NONE}",
        ),
        ("tomlkit", "0.12", "optional", 35, True, LOWER),
        ("pendulum", None, None, 36, False, NONE),
        ("arrow", None, None, 37, False, NONE),
        ("structlog", "24.1.0", None, 48, False, None),
        ("black", "24.3.0", "dev", 40, False, None),
        ("mkdocs", "1.5.3", "docs", 43, False, None),
        ("attrs", "23.1.0", None, 46, False, None),
        ("pytest-cov", "4", "test", 52, True, LOWER),
        (
            "helper",
            None,
            "test",
            52,
            False,
            f"editable install from git+https://github.com/acme/helper.git#egg=helper, {NONE}",
        ),
        ("coverage", "7.4.4", "dev", 55, False, None),
    ],
    "uv-workspace": [
        ("six", "1.16.0", None, 6, False, None),
        ("idna", "3.0", None, 7, True, LOWER),
        ("importlib-metadata", None, None, 8, False, NONE),
        ("member", None, None, 9, False, NONE),
        ("localpkg", None, None, 10, False, NONE),
        ("tomli", "2.0", "toml", 14, True, LOWER),
        ("iniconfig", "2.0", "dev", 17, True, LOWER),
        ("attrs", "23.1", "test", 18, True, LOWER),
    ],
    "poetry-v1.1": [
        ("six", "1.16.0", None, 9, False, None),
        ("idna", "3.0", None, 10, True, LOWER),
        ("importlib-metadata", "6.0", None, 11, True, LOWER),
        ("tomli", "2.0", "optional", 12, True, LOWER),
        ("localpkg", None, None, 13, False, f"local path (localpkg), {NONE}"),
        ("iniconfig", "2.0", "dev", 19, True, LOWER),
        ("attrs", "23.1", "test", 22, True, LOWER),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    deps = extract_in(EXTRACTOR, TESTDATA / fixture, "pyproject.toml")
    assert [(d.name, d.version, d.group, d.line, d.approximate, d.note) for d in deps] == (
        EXPECTED[fixture]
    )
    for dep in deps:
        assert (dep.ecosystem, dep.direct, dep.path) == (Ecosystem.PYPI, True, (dep.name,))
        assert (dep.source, dep.extractor) == ("pyproject.toml", "pypi/pyproject")


def test_poetry2_tables_add_to_project_without_repeating_it() -> None:
    deps = extract_in(EXTRACTOR, TESTDATA / "poetry-v2.1", "pyproject.toml")
    assert [(d.name, d.group) for d in deps] == [
        ("six", None),
        ("idna", None),
        ("importlib-metadata", None),
        ("localpkg", None),
        ("tomli", "toml"),
        ("iniconfig", "dev"),
        ("attrs", "dev"),
    ]


def test_a_manifest_gives_way_to_real_lockfiles_only() -> None:
    assert {"poetry.lock", "uv.lock", "pdm.lock", "pylock.toml", "Pipfile.lock"} == set(
        EXTRACTOR.superseded_by
    )
    assert "requirements.txt" not in EXTRACTOR.superseded_by
    assert EXTRACTOR.wants(PurePosixPath("svc/pyproject.toml"))
    assert not EXTRACTOR.wants(PurePosixPath("pyproject.toml.orig"))


def test_a_uv_workspace_member_is_left_to_the_lockfile_above() -> None:
    root = TESTDATA / "uv-workspace"
    assert extract_in(EXTRACTOR, root, "packages/member/pyproject.toml") == []
    data = (root / "packages" / "member" / "pyproject.toml").read_bytes()
    alone = extract_bytes(EXTRACTOR, data, "packages/member/pyproject.toml")
    assert [(d.name, d.version, d.approximate) for d in alone] == [("attrs", "23.1", True)]
    other = TESTDATA / "uv-virtual-workspace"
    assert extract_in(EXTRACTOR, other, "packages/app/pyproject.toml") == []
    # A uv.lock that does not list the project as a member changes nothing.
    data = b'[project]\nname = "stray"\ndependencies = ["six==1.16.0"]\n'

    def read(path: PurePosixPath) -> bytes | None:
        return (root / "uv.lock").read_bytes() if path == PurePosixPath("uv.lock") else None

    stray = EXTRACTOR.extract(ExtractInput(PurePosixPath("tools/stray/pyproject.toml"), data, read))
    assert [(d.name, d.version) for d in stray] == [("six", "1.16.0")]


def test_no_dependencies() -> None:
    assert extract_bytes(EXTRACTOR, b'[project]\nname = "x"\n', "pyproject.toml") == []
    assert extract_bytes(EXTRACTOR, b"[build-system]\nrequires = ['hatchling']\n", "p") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"project = 1\n", "'project' should be a table"),
        (b"[project]\ndependencies = 'a'\n", "'project.dependencies' should be a list"),
        (b"[project.optional-dependencies]\nx = [1]\n", "'project.optional-dependencies.x'"),
        (b"[dependency-groups]\ndev = 'a'\n", "'dependency-groups.dev' should be a list"),
        (b"[dependency-groups]\ndev = [{ x = 1 }]\n", "include-group"),
        (b"[tool.poetry.dependencies]\na = 1\n", "'tool.poetry.dependencies.a' should be"),
        (b"[tool.poetry]\ngroup = 1\n", "'tool.poetry.group' should be a table"),
        (b"[tool.uv]\ndev-dependencies = 'a'\n", "'tool.uv.dev-dependencies'"),
        (b"[project\n", "invalid TOML"),
    ],
)
def test_broken(data: bytes, message: str) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract_bytes(EXTRACTOR, data, "pyproject.toml")


def test_an_empty_poetry_dependency_name_is_an_error() -> None:
    # Found by hypothesis: `"" = "1.0"` under a Poetry table named no package at all.
    text = b'[tool.poetry.dependencies]\npython = "^3.11"\n"" = "1.0"\n'
    with pytest.raises(ExtractionError, match="empty name"):
        PyprojectExtractor().extract(ExtractInput(PurePosixPath("pyproject.toml"), text))

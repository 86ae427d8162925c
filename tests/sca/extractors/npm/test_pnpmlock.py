"""pnpm-lock.yaml, lockfile versions 5.x, 6.x and 9.x.

Fixtures from real pnpm runs (``pnpm install --lockfile-only`` over the package.json
kept beside each lockfile): ``pnpm-v5*`` by pnpm 7.33.7 (lockfile 5.4), ``pnpm-v6*``
by pnpm 8.15.9, ``pnpm-v9*`` by pnpm 9.15.9, ``pnpm-env-document`` by pnpm 12.21.0
after ``pnpm add --config is-number@6.0.0`` (two YAML documents). The other cases are
written by hand from pnpm's documentation of the lockfile.
"""

from __future__ import annotations

import pytest

from bastion.sca.extractors.base import ExtractionError
from bastion.sca.extractors.npm.pnpmlock import PnpmLockExtractor
from tests.sca.extractors.npm.fixtures import (
    TESTDATA,
    Row,
    extract_folder,
    extract_text,
    rows,
)

EXTRACTOR = PnpmLockExtractor()

EXPECTED: dict[str, list[Row]] = {
    "pnpm-v5": [
        ("debug", "2.6.9", True, None, 25, ("debug",), None),
        ("is-number", "6.0.0", False, "optional", 36, ("is-odd", "is-number"), None),
        ("is-number", "7.0.0", True, None, 42, ("is-number",), None),
        ("is-odd", "3.0.1", True, "optional", 47, ("is-odd",), None),
        ("left-pad", "1.3.0", True, "dev", 56, ("left-pad",), None),
        ("ms", "2.0.0", True, None, 60, ("ms",), None),
        ("ms", "2.1.3", True, None, 64, ("ms",), None),
    ],
    "pnpm-v6": [
        ("debug", "2.6.9", True, None, 33, ("debug",), None),
        ("is-number", "6.0.0", False, "optional", 44, ("is-odd", "is-number"), None),
        ("is-number", "7.0.0", True, None, 51, ("is-number",), None),
        ("is-odd", "3.0.1", True, "optional", 56, ("is-odd",), None),
        ("left-pad", "1.3.0", True, "dev", 65, ("left-pad",), None),
        ("ms", "2.0.0", True, None, 69, ("ms",), None),
        ("ms", "2.1.3", True, None, 73, ("ms",), None),
    ],
    "pnpm-v9": [
        ("debug", "2.6.9", True, None, 34, ("debug",), None),
        ("is-number", "6.0.0", False, "optional", 42, ("is-odd", "is-number"), None),
        ("is-number", "7.0.0", True, None, 46, ("is-number",), None),
        ("is-odd", "3.0.1", True, "optional", 50, ("is-odd",), None),
        ("left-pad", "1.3.0", True, "dev", 54, ("left-pad",), None),
        ("ms", "2.0.0", True, None, 57, ("ms",), None),
        ("ms", "2.1.3", True, None, 60, ("ms",), None),
    ],
    "pnpm-env-document": [
        ("is-number", "6.0.0", True, "config", 14, ("is-number",), None),
        ("debug", "2.6.9", True, None, 55, ("debug",), None),
        ("is-number", "6.0.0", False, "optional", 63, ("is-odd", "is-number"), None),
        ("is-number", "7.0.0", True, None, 67, ("is-number",), None),
        ("is-odd", "3.0.1", True, "optional", 71, ("is-odd",), None),
        ("left-pad", "1.3.0", True, "dev", 75, ("left-pad",), None),
        ("ms", "2.0.0", True, None, 78, ("ms",), None),
        ("ms", "2.1.3", True, None, 81, ("ms",), None),
    ],
    "pnpm-v5-workspaces": [
        (
            "@fx/lib",
            None,
            True,
            "local",
            24,
            ("@fx/lib",),
            "local workspace package at packages/lib",
        ),
        ("@types/ms", "0.7.34", True, "dev", 35, ("@types/ms",), None),
        (
            "function-bind",
            "1.1.2",
            False,
            None,
            39,
            ("resolve", "is-core-module", "hasown", "function-bind"),
            None,
        ),
        ("hasown", "2.0.4", False, None, 43, ("resolve", "is-core-module", "hasown"), None),
        ("is-core-module", "2.18.0", False, None, 50, ("resolve", "is-core-module"), None),
        ("js-tokens", "4.0.0", False, None, 57, ("react", "loose-envify", "js-tokens"), None),
        ("left-pad", "1.3.0", True, None, 61, ("@fx/lib", "left-pad"), None),
        ("loose-envify", "1.4.0", False, None, 65, ("react", "loose-envify"), None),
        ("ms", "2.0.0", False, None, 72, ("local-dir", "ms"), None),
        ("ms", "2.1.3", True, "dev", 76, ("@fx/lib", "ms"), None),
        ("path-parse", "1.0.7", False, None, 80, ("resolve", "path-parse"), None),
        ("react-dom", "18.2.0", True, None, 84, ("react-dom",), None),
        ("react", "18.2.0", True, None, 94, ("react",), None),
        ("resolve", "1.22.8", True, None, 101, ("resolve",), None),
        ("scheduler", "0.23.2", False, None, 110, ("react-dom", "scheduler"), None),
        (
            "supports-preserve-symlinks-flag",
            "1.0.0",
            False,
            None,
            116,
            ("resolve", "supports-preserve-symlinks-flag"),
            None,
        ),
        ("local-dir", None, True, "local", 121, ("local-dir",), "local package (file:local-dir)"),
        (
            "linked-dir",
            None,
            True,
            "local",
            16,
            ("linked-dir",),
            "linked local folder (link:linked-dir)",
        ),
    ],
    "pnpm-v6-workspaces": [
        (
            "@fx/lib",
            None,
            True,
            "local",
            34,
            ("@fx/lib",),
            "local workspace package at packages/lib",
        ),
        ("@types/ms", "0.7.34", True, "dev", 46, ("@types/ms",), None),
        (
            "function-bind",
            "1.1.2",
            False,
            None,
            50,
            ("resolve", "is-core-module", "hasown", "function-bind"),
            None,
        ),
        ("hasown", "2.0.4", False, None, 54, ("resolve", "is-core-module", "hasown"), None),
        ("is-core-module", "2.18.0", False, None, 61, ("resolve", "is-core-module"), None),
        ("js-tokens", "4.0.0", False, None, 68, ("react", "loose-envify", "js-tokens"), None),
        ("left-pad", "1.3.0", True, None, 72, ("@fx/lib", "left-pad"), None),
        ("loose-envify", "1.4.0", False, None, 76, ("react", "loose-envify"), None),
        ("ms", "2.0.0", False, None, 83, ("local-dir", "ms"), None),
        ("ms", "2.1.3", True, "dev", 87, ("@fx/lib", "ms"), None),
        ("path-parse", "1.0.7", False, None, 91, ("resolve", "path-parse"), None),
        ("react-dom", "18.2.0", True, None, 95, ("react-dom",), None),
        ("react", "18.2.0", True, None, 105, ("react",), None),
        ("resolve", "1.22.8", True, None, 112, ("resolve",), None),
        ("scheduler", "0.23.2", False, None, 121, ("react-dom", "scheduler"), None),
        (
            "supports-preserve-symlinks-flag",
            "1.0.0",
            False,
            None,
            127,
            ("resolve", "supports-preserve-symlinks-flag"),
            None,
        ),
        ("local-dir", None, True, "local", 132, ("local-dir",), "local package (file:local-dir)"),
        (
            "linked-dir",
            None,
            True,
            "local",
            14,
            ("linked-dir",),
            "linked local folder (link:linked-dir)",
        ),
    ],
    "pnpm-v9-workspaces": [
        (
            "@fx/lib",
            None,
            True,
            "local",
            34,
            ("@fx/lib",),
            "local workspace package at packages/lib",
        ),
        ("@types/ms", "0.7.34", True, "dev", 46, ("@types/ms",), None),
        (
            "function-bind",
            "1.1.2",
            False,
            None,
            49,
            ("resolve", "is-core-module", "hasown", "function-bind"),
            None,
        ),
        ("hasown", "2.0.4", False, None, 52, ("resolve", "is-core-module", "hasown"), None),
        ("is-core-module", "2.18.0", False, None, 56, ("resolve", "is-core-module"), None),
        ("js-tokens", "4.0.0", False, None, 60, ("react", "loose-envify", "js-tokens"), None),
        ("left-pad", "1.3.0", True, None, 63, ("@fx/lib", "left-pad"), None),
        ("local-dir", None, True, "local", 66, ("local-dir",), "local package (file:local-dir)"),
        ("loose-envify", "1.4.0", False, None, 69, ("react", "loose-envify"), None),
        ("ms", "2.0.0", False, None, 73, ("local-dir", "ms"), None),
        ("ms", "2.1.3", True, "dev", 76, ("@fx/lib", "ms"), None),
        ("path-parse", "1.0.7", False, None, 79, ("resolve", "path-parse"), None),
        ("react-dom", "18.2.0", True, None, 82, ("react-dom",), None),
        ("react", "18.2.0", True, None, 87, ("react",), None),
        ("resolve", "1.22.8", True, None, 91, ("resolve",), None),
        ("scheduler", "0.23.2", False, None, 95, ("react-dom", "scheduler"), None),
        (
            "supports-preserve-symlinks-flag",
            "1.0.0",
            False,
            None,
            98,
            ("resolve", "supports-preserve-symlinks-flag"),
            None,
        ),
        (
            "linked-dir",
            None,
            True,
            "local",
            14,
            ("linked-dir",),
            "linked local folder (link:linked-dir)",
        ),
    ],
}


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_fixture(folder: str) -> None:
    deps = extract_folder(EXTRACTOR, folder, "pnpm-lock.yaml")
    assert rows(deps) == EXPECTED[folder]
    assert {(d.source, d.extractor, d.ecosystem) for d in deps} == {
        ("pnpm-lock.yaml", "npm/pnpmlock", "npm")
    }


def test_lockfile_versions_agree() -> None:
    """The same project locked by pnpm 7, 8 and 9 gives the same answer but for lines."""

    def without_lines(folder: str) -> set[tuple[object, ...]]:
        return {(*row[:4], *row[5:]) for row in EXPECTED[folder]}

    assert without_lines("pnpm-v5") == without_lines("pnpm-v6") == without_lines("pnpm-v9")
    assert (
        without_lines("pnpm-v5-workspaces")
        == without_lines("pnpm-v6-workspaces")
        == without_lines("pnpm-v9-workspaces")
    )


UNLINKED = (
    (TESTDATA / "pnpm-v9-workspaces" / "pnpm-lock.yaml")
    .read_text()
    .replace(
        "      '@fx/lib':\n        specifier: workspace:*\n        version: link:packages/lib\n", ""
    )
)


def test_workspace_nobody_links_is_named_by_its_package_json() -> None:
    deps = extract_folder(EXTRACTOR, "pnpm-v9-workspaces", "pnpm-lock.yaml", text=UNLINKED)
    assert [(d.name, d.direct, d.group, d.line, d.path, d.note) for d in deps][:1] == [
        ("@fx/lib", True, "local", 31, ("@fx/lib",), "local workspace package at packages/lib")
    ]
    assert {(d.name, d.version, d.path) for d in deps if d.path[:1] == ("@fx/lib",)} == {
        ("@fx/lib", None, ("@fx/lib",)),
        ("left-pad", "1.3.0", ("@fx/lib", "left-pad")),
        ("ms", "2.1.3", ("@fx/lib", "ms")),
    }


def test_workspace_without_a_name_is_left_out_but_not_its_dependencies() -> None:
    deps = extract_folder(
        EXTRACTOR, "pnpm-v9-workspaces", "pnpm-lock.yaml", text=UNLINKED, neighbours=False
    )
    assert "@fx/lib" not in {d.name for d in deps}
    assert {(d.name, d.version, d.direct, d.group, d.path) for d in deps if d.name != "ms"} >= {
        ("left-pad", "1.3.0", True, None, ("left-pad",)),
    }
    assert ("ms", "2.1.3", True, "dev", ("ms",)) in {
        (d.name, d.version, d.direct, d.group, d.path) for d in deps
    }


V5_SOURCES = (TESTDATA / "pnpm-v5-sources.yaml").read_text()


def test_v5_scoped_peer_suffix_git_and_file_packages() -> None:
    assert rows(extract_text(EXTRACTOR, V5_SOURCES, "pnpm-lock.yaml")) == [
        ("@scope/pkg", "1.0.0", True, None, 17, ("@scope/pkg",), None),
        ("react", "18.2.0", True, None, 25, ("react",), None),
        (
            "from-git",
            None,
            True,
            None,
            29,
            ("from-git",),
            "not installed from the npm registry "
            "(github.com/acme/from-git/0123456789abcdef0123456789abcdef01234567)",
        ),
        (
            "my-file-package",
            None,
            True,
            "local",
            37,
            ("my-file-package",),
            "local package (file:projects/package-a.tgz)",
        ),
    ]


V6_GROUPS = (TESTDATA / "pnpm-v6-groups.yaml").read_text()


def test_v6_flags_decide_groups() -> None:
    assert rows(extract_text(EXTRACTOR, V6_GROUPS, "pnpm-lock.yaml")) == [
        ("@scope/pkg", "1.0.0", True, None, 15, ("@scope/pkg",), None),
        ("dev-tool", "3.1.0", True, "dev", 21, ("dev-tool",), None),
        # Needed by a dev tool only: dev, though optional too.
        ("fsevents", "2.3.3", False, "dev", 29, ("dev-tool", "fsevents"), None),
        # No dev flag: needed by both; the production side wins.
        ("react", "18.2.0", False, None, 36, ("@scope/pkg", "react"), None),
    ]


V9_ENV_AND_URLS = (TESTDATA / "pnpm-v9-env-and-urls.yaml").read_text()


def test_v9_env_document_and_url_packages() -> None:
    assert rows(extract_text(EXTRACTOR, V9_ENV_AND_URLS, "pnpm-lock.yaml")) == [
        ("pnpm", "12.3.4", True, "package-manager", 15, ("pnpm",), None),
        (
            "is-number",
            None,
            True,
            None,
            38,
            ("is-number",),
            "not installed from the npm registry "
            "(https://codeload.github.com/jonschlinkert/is-number/tar.gz/98e8ff1)",
        ),
        ("only-snapshot", "1.0.0", True, None, 46, ("only-snapshot",), None),
    ]


@pytest.mark.parametrize(
    "text",
    ["", "---\n", "lockfileVersion: '9.0'\n", "lockfileVersion: '9.0'\nimporters:\n  .: {}\n"],
)
def test_empty_lockfiles(text: str) -> None:
    assert extract_text(EXTRACTOR, text, "pnpm-lock.yaml") == []


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("- a\n", "expected a mapping at the top, got a list", 1),
        ("packages: {}\n", "no 'lockfileVersion'", 1),
        ("lockfileVersion: true\n", "unreadable 'lockfileVersion' True", 1),
        ("lockfileVersion: nine\n", "unreadable 'lockfileVersion' 'nine'", 1),
        ("lockfileVersion: '9.0'\npackages: []\n", "'packages' should be a mapping, got a list", 2),
        ("lockfileVersion: '9.0'\nimporters: 1\n", "'importers' should be a mapping", 2),
        (
            "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies: []\n",
            "'dependencies' of importer '.' should be a mapping",
            None,
        ),
        ("lockfileVersion: '9.0'\nimporters:\n  .: x\n", "importer '.' should be a mapping", 3),
        (
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: 1\n",
            "package 'a@1.0.0' should be a mapping, got a number",
            3,
        ),
        (
            "lockfileVersion: '9.0'\nsnapshots:\n  a@1.0.0: [1]\n",
            "snapshot 'a@1.0.0' should be a mapping",
            3,
        ),
        ("lockfileVersion: '9.0'\npackages:\n  a@1: {\n", "invalid YAML", 4),
        # Deep nesting is refused, whether the text is valid YAML or not.
        ("lockfileVersion: '9.0'\n" + "[" * 400 + "]" * 400 + "\n", "invalid YAML", 2),
        ("lockfileVersion: '9.0'\nx: " + "[" * 400 + "]" * 400 + "\n", "nested more than", None),
    ],
)
def test_broken_files(text: str, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text(EXTRACTOR, text, "pnpm-lock.yaml")
    assert message in caught.value.message
    assert caught.value.line == line


def test_keys_are_the_text_written() -> None:
    # PyYAML read the key 1 as an integer, which was refused as a package key; keys are now
    # always strings, as written, so this is a package named "1" without a version.
    text = "lockfileVersion: '9.0'\npackages:\n  1: {}\n"
    deps = extract_text(EXTRACTOR, text, "pnpm-lock.yaml")
    assert [(d.name, d.version, d.line) for d in deps] == [("1", None, 3)]

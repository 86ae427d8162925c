"""bun.lock, Bun's text lockfile (JSONC), lockfileVersion 0, 1 and 2.

Fixtures from real Bun runs (``bun install --lockfile-only`` over the package.json kept
beside each lockfile): ``bun-v0-workspaces`` by Bun 1.1.45 (``--save-text-lockfile``),
``bun-v1`` by Bun 1.2.19, ``bun-v2*`` by Bun 1.4.5. The other cases are written by hand
from Bun's documentation of the format.
"""

from __future__ import annotations

import pytest

from bastion.sca.extractors.base import ExtractionError
from bastion.sca.extractors.npm.bunlock import BunLockExtractor
from tests.sca.extractors.npm.fixtures import TESTDATA, Row, extract_folder, extract_text, rows

EXTRACTOR = BunLockExtractor()

EXPECTED: dict[str, list[Row]] = {
    "bun-v0-workspaces": [
        (
            "@fx/lib",
            None,
            True,
            "local",
            29,
            ("@fx/lib",),
            "local workspace package at packages/lib",
        ),
        ("@types/ms", "0.7.34", True, "dev", 31, ("@types/ms",), None),
        (
            "function-bind",
            "1.1.2",
            False,
            None,
            33,
            ("resolve", "is-core-module", "hasown", "function-bind"),
            None,
        ),
        ("hasown", "2.0.4", False, None, 35, ("resolve", "is-core-module", "hasown"), None),
        ("is-core-module", "2.18.0", False, None, 37, ("resolve", "is-core-module"), None),
        ("js-tokens", "4.0.0", False, None, 39, ("react", "loose-envify", "js-tokens"), None),
        ("left-pad", "1.3.0", True, None, 41, ("@fx/lib", "left-pad"), None),
        ("local-dir", None, True, "local", 43, ("local-dir",), "local package (file:local-dir)"),
        ("loose-envify", "1.4.0", False, None, 45, ("react", "loose-envify"), None),
        ("ms", "2.1.3", True, "dev", 47, ("@fx/lib", "ms"), None),
        ("path-parse", "1.0.7", False, None, 49, ("resolve", "path-parse"), None),
        ("react", "18.2.0", True, None, 51, ("react",), None),
        ("react-dom", "18.2.0", True, None, 53, ("react-dom",), None),
        ("resolve", "1.22.8", True, None, 55, ("resolve",), None),
        ("scheduler", "0.23.2", False, None, 57, ("react-dom", "scheduler"), None),
        (
            "supports-preserve-symlinks-flag",
            "1.0.0",
            False,
            None,
            59,
            ("resolve", "supports-preserve-symlinks-flag"),
            None,
        ),
        ("ms", "2.0.0", False, None, 61, ("local-dir", "ms"), None),
    ],
    "bun-v1": [
        ("debug", "2.6.9", True, None, 21, ("debug",), None),
        ("is-number", "7.0.0", True, None, 23, ("is-number",), None),
        ("is-odd", "3.0.1", True, "optional", 25, ("is-odd",), None),
        ("left-pad", "1.3.0", True, "dev", 27, ("left-pad",), None),
        ("ms", "2.0.0", True, None, 29, ("ms",), None),
        ("ms", "2.1.3", True, None, 31, ("ms",), None),
        ("is-number", "6.0.0", False, "optional", 33, ("is-odd", "is-number"), None),
    ],
    "bun-v2": [
        ("debug", "2.6.9", True, None, 22, ("debug",), None),
        ("is-number", "7.0.0", True, None, 24, ("is-number",), None),
        ("is-odd", "3.0.1", True, "optional", 26, ("is-odd",), None),
        ("left-pad", "1.3.0", True, "dev", 28, ("left-pad",), None),
        ("ms", "2.0.0", True, None, 30, ("ms",), None),
        ("ms", "2.1.3", True, None, 32, ("ms",), None),
        ("is-number", "6.0.0", False, "optional", 34, ("is-odd", "is-number"), None),
    ],
    "bun-v2-workspaces": [
        (
            "@fx/lib",
            None,
            True,
            "local",
            31,
            ("@fx/lib",),
            "local workspace package at packages/lib",
        ),
        ("@types/ms", "0.7.34", True, "dev", 33, ("@types/ms",), None),
        (
            "function-bind",
            "1.1.2",
            False,
            None,
            35,
            ("resolve", "is-core-module", "hasown", "function-bind"),
            None,
        ),
        ("hasown", "2.0.4", False, None, 37, ("resolve", "is-core-module", "hasown"), None),
        ("is-core-module", "2.18.0", False, None, 39, ("resolve", "is-core-module"), None),
        ("js-tokens", "4.0.0", False, None, 41, ("react", "loose-envify", "js-tokens"), None),
        ("left-pad", "1.3.0", True, None, 43, ("@fx/lib", "left-pad"), None),
        (
            "linked-dir",
            None,
            True,
            "local",
            45,
            ("linked-dir",),
            "linked local folder (link:./linked-dir)",
        ),
        ("local-dir", None, True, "local", 47, ("local-dir",), "local package (file:local-dir)"),
        ("loose-envify", "1.4.0", False, None, 49, ("react", "loose-envify"), None),
        ("ms", "2.1.3", True, "dev", 51, ("@fx/lib", "ms"), None),
        ("path-parse", "1.0.7", False, None, 53, ("resolve", "path-parse"), None),
        ("react", "18.2.0", True, None, 55, ("react",), None),
        ("react-dom", "18.2.0", True, None, 57, ("react-dom",), None),
        ("resolve", "1.22.8", True, None, 59, ("resolve",), None),
        ("scheduler", "0.23.2", False, None, 61, ("react-dom", "scheduler"), None),
        (
            "supports-preserve-symlinks-flag",
            "1.0.0",
            False,
            None,
            63,
            ("resolve", "supports-preserve-symlinks-flag"),
            None,
        ),
        ("ms", "2.0.0", False, None, 65, ("local-dir", "ms"), None),
    ],
}


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_fixture(folder: str) -> None:
    deps = extract_folder(EXTRACTOR, folder, "bun.lock")
    assert rows(deps) == EXPECTED[folder]
    assert {(d.source, d.extractor, d.ecosystem) for d in deps} == {
        ("bun.lock", "npm/bunlock", "npm")
    }


def test_lockfile_versions_agree() -> None:
    def without_lines(folder: str) -> set[tuple[object, ...]]:
        return {(*row[:4], *row[5:]) for row in EXPECTED[folder]}

    assert without_lines("bun-v1") == without_lines("bun-v2")
    # Bun 1.1 could not lock the link: dependency, the rest is the same.
    assert without_lines("bun-v0-workspaces") == {
        row for row in without_lines("bun-v2-workspaces") if row[0] != "linked-dir"
    }


def test_no_package_json_needed() -> None:
    """Bun records what each workspace declares in the lockfile itself."""
    assert (
        rows(extract_folder(EXTRACTOR, "bun-v2", "bun.lock", neighbours=False))
        == (EXPECTED["bun-v2"])
    )


SOURCES = (TESTDATA / "bun-sources.lock").read_text()


def test_sources_nesting_and_jsonc() -> None:
    assert rows(extract_text(EXTRACTOR, SOURCES, "bun.lock")) == [
        (
            "uWebSockets.js",
            None,
            True,
            None,
            19,
            ("uWebSockets.js",),
            "not installed from the npm registry (github:uNetworking/uWebSockets.js#6609a88)",
        ),
        (
            "@adobe/css-tools",
            None,
            True,
            "local",
            21,
            ("@adobe/css-tools",),
            "local package (./css-tools-4.4.0.tgz)",
        ),
        (
            "tarball",
            None,
            True,
            None,
            23,
            ("tarball",),
            "not installed from the npm registry (https://example.com/tarball-1.0.0.tgz)",
        ),
        ("@scope/a", "1.0.0", True, None, 25, ("@scope/a",), None),
        ("@scope/b", "1.0.0", False, None, 27, ("@scope/a", "@scope/b"), None),
        ("@scope/a", "2.0.0", False, None, 31, ("tarball", "@scope/a"), None),
        ("@scope/b", "2.0.0", False, None, 33, ("tarball", "@scope/a", "@scope/b"), None),
    ]


@pytest.mark.parametrize(
    "text",
    ["{}", '{"lockfileVersion": 1, "workspaces": {"": {"name": "app"}}, "packages": {}}'],
)
def test_empty_lockfiles(text: str) -> None:
    assert extract_text(EXTRACTOR, text, "bun.lock") == []


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "invalid JSON", 1),
        ("[]", "expected a JSON object at the top, got an array", 1),
        ('{\n  "lockfileVersion": "1"\n}', "'lockfileVersion' should be a number", 2),
        ('{\n  "packages": []\n}', "'packages' should be an object, got an array", 2),
        ('{\n  "workspaces": {\n    "": 1\n  }\n}', "workspace '' should be an object", 3),
        (
            '{\n  "packages": {\n    "a": "a@1.0.0"\n  }\n}',
            "package 'a' should be an array starting with its resolution, got a string",
            3,
        ),
        ('{\n  "packages": {\n    "a": []\n  }\n}', "package 'a' should be an array", 3),
        ('{\n  "packages": {\n    "a": [""]\n  }\n}', "unreadable resolution", 3),
        ('{\n  "packages": {\n    "a": ["a@1.0.0", ', "invalid JSON", 3),
        ('{\n  "packages": {}\n  /* unterminated\n}', "invalid JSON", 3),
        ('{\n  "packages": {},,\n}', "invalid JSON", 3),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON: nested too deeply", None),
    ],
)
def test_broken_files(text: str, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text(EXTRACTOR, text, "bun.lock")
    assert message in caught.value.message
    assert caught.value.line == line

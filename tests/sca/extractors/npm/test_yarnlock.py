"""yarn.lock, classic and Berry.

Fixtures from real Yarn runs (``yarn install`` over the package.json kept beside each
lockfile): ``yarn-classic*`` by Yarn 1.22.22, ``yarn-berry*`` by Yarn 4.18.1 (lockfile
``__metadata.version: 10``; ``resolve`` gets Yarn's built-in ``patch:`` entry). The
other cases are written by hand from Yarn's documentation of the two formats.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.npm.yarnlock import YarnLockExtractor, _parse_line, _parse_tokens
from tests.sca.extractors.npm.fixtures import (
    TESTDATA,
    Row,
    extract_folder,
    extract_text,
    rows,
)

EXTRACTOR = YarnLockExtractor()

EXPECTED: dict[str, list[Row]] = {
    "yarn-classic": [
        ("debug", "2.6.9", True, None, 5, ("debug",), None),
        ("is-number", "6.0.0", False, "optional", 12, ("is-odd", "is-number"), None),
        ("is-number", "7.0.0", True, None, 17, ("is-number",), None),
        ("is-odd", "3.0.1", True, "optional", 22, ("is-odd",), None),
        ("left-pad", "1.3.0", True, "dev", 29, ("left-pad",), None),
        ("ms", "2.0.0", True, None, 34, ("ms",), None),
        ("ms", "2.1.3", True, None, 39, ("ms",), None),
    ],
    "yarn-classic-workspaces": [
        ("@types/ms", "0.7.34", True, "dev", 5, ("@types/ms",), None),
        (
            "function-bind",
            "1.1.2",
            False,
            None,
            10,
            ("resolve", "is-core-module", "hasown", "function-bind"),
            None,
        ),
        ("hasown", "2.0.4", False, None, 15, ("resolve", "is-core-module", "hasown"), None),
        ("is-core-module", "2.18.0", False, None, 22, ("resolve", "is-core-module"), None),
        ("js-tokens", "4.0.0", False, None, 29, ("react", "loose-envify", "js-tokens"), None),
        ("left-pad", "1.3.0", True, None, 34, ("left-pad",), None),
        (
            "linked-dir",
            None,
            True,
            "local",
            39,
            ("linked-dir",),
            "linked local folder (link:./linked-dir)",
        ),
        ("local-dir", None, True, "local", 43, ("local-dir",), "local package (file:./local-dir)"),
        ("loose-envify", "1.4.0", False, None, 48, ("react", "loose-envify"), None),
        ("ms", "2.0.0", False, None, 55, ("local-dir", "ms"), None),
        ("ms", "2.1.3", True, None, 60, ("ms",), None),
        ("path-parse", "1.0.7", False, None, 65, ("resolve", "path-parse"), None),
        ("react-dom", "18.2.0", True, None, 70, ("react-dom",), None),
        ("react", "18.2.0", True, None, 78, ("react",), None),
        ("resolve", "1.22.8", True, None, 85, ("resolve",), None),
        ("scheduler", "0.23.2", False, None, 94, ("react-dom", "scheduler"), None),
        (
            "supports-preserve-symlinks-flag",
            "1.0.0",
            False,
            None,
            101,
            ("resolve", "supports-preserve-symlinks-flag"),
            None,
        ),
    ],
    "yarn-berry": [
        ("debug", "2.6.9", True, None, 8, ("debug",), None),
        ("is-number", "6.0.0", False, "optional", 33, ("is-odd", "is-number"), None),
        ("is-number", "7.0.0", True, None, 40, ("is-number",), None),
        ("is-odd", "3.0.1", True, "optional", 47, ("is-odd",), None),
        ("left-pad", "1.3.0", True, "dev", 56, ("left-pad",), None),
        ("ms", "2.0.0", True, None, 63, ("ms",), None),
        ("ms", "2.1.3", True, None, 70, ("ms",), None),
    ],
    "yarn-berry-workspaces": [
        (
            "@fx/lib",
            None,
            True,
            "local",
            8,
            ("@fx/lib",),
            "local workspace package at packages/lib",
        ),
        ("@types/ms", "0.7.34", True, "dev", 17, ("@types/ms",), None),
        (
            "function-bind",
            "1.1.2",
            False,
            None,
            39,
            ("resolve", "is-core-module", "hasown", "function-bind"),
            None,
        ),
        ("hasown", "2.0.4", False, None, 46, ("resolve", "is-core-module", "hasown"), None),
        ("is-core-module", "2.18.0", False, None, 55, ("resolve", "is-core-module"), None),
        ("is-number", "7.0.0", False, None, 64, ("portal-dir", "is-number"), None),
        ("js-tokens", "4.0.0", False, None, 71, ("react", "loose-envify", "js-tokens"), None),
        ("left-pad", "1.3.0", True, None, 78, ("@fx/lib", "left-pad"), None),
        (
            "linked-dir",
            None,
            True,
            "local",
            85,
            ("linked-dir",),
            "linked local folder (link:./linked-dir)",
        ),
        ("local-dir", None, True, "local", 91, ("local-dir",), "local package (file:./local-dir)"),
        ("loose-envify", "1.4.0", False, None, 100, ("react", "loose-envify"), None),
        ("ms", "2.0.0", False, None, 111, ("local-dir", "ms"), None),
        ("ms", "2.1.3", True, "dev", 118, ("@fx/lib", "ms"), None),
        ("path-parse", "1.0.7", False, None, 125, ("resolve", "path-parse"), None),
        (
            "portal-dir",
            None,
            True,
            "local",
            132,
            ("portal-dir",),
            "linked local folder (portal:./portal-dir)",
        ),
        ("react-dom", "18.2.0", True, None, 140, ("react-dom",), None),
        ("react", "18.2.0", True, None, 152, ("react",), None),
        ("resolve", "1.22.8", True, None, 161, ("resolve",), None),
        ("scheduler", "0.23.2", False, None, 187, ("react-dom", "scheduler"), None),
        (
            "supports-preserve-symlinks-flag",
            "1.0.0",
            False,
            None,
            196,
            ("resolve", "supports-preserve-symlinks-flag"),
            None,
        ),
    ],
}


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_fixture(folder: str) -> None:
    deps = extract_folder(EXTRACTOR, folder, "yarn.lock")
    assert rows(deps) == EXPECTED[folder]
    assert {(d.source, d.extractor, d.ecosystem) for d in deps} == {
        ("yarn.lock", "npm/yarnlock", "npm")
    }


@pytest.mark.parametrize("folder", ["yarn-classic", "yarn-berry"])
def test_alias_reports_the_real_package(folder: str) -> None:
    # package.json declares "my-ms": "npm:ms@2.1.3".
    deps = extract_folder(EXTRACTOR, folder, "yarn.lock")
    assert [(d.name, d.version, d.direct) for d in deps if d.version == "2.1.3"] == [
        ("ms", "2.1.3", True)
    ]


def test_classic_without_package_json_takes_unrequired_entries_as_direct() -> None:
    deps = extract_folder(EXTRACTOR, "yarn-classic", "yarn.lock", neighbours=False)
    assert [(d.name, d.version, d.direct, d.group, d.path) for d in deps] == [
        ("debug", "2.6.9", True, None, ("debug",)),
        ("is-number", "6.0.0", False, None, ("is-odd", "is-number")),
        ("is-number", "7.0.0", True, None, ("is-number",)),
        ("is-odd", "3.0.1", True, None, ("is-odd",)),
        ("left-pad", "1.3.0", True, None, ("left-pad",)),
        # debug needs ms 2.0.0, so nothing says the project declares it too.
        ("ms", "2.0.0", False, None, ("debug", "ms")),
        ("ms", "2.1.3", True, None, ("ms",)),
    ]


def test_berry_without_package_json_uses_the_root_workspace_entry() -> None:
    deps = extract_folder(EXTRACTOR, "yarn-berry", "yarn.lock", neighbours=False)
    # Same direct set; only dependenciesMeta's "optional" survives as a group.
    assert [(d.name, d.version, d.direct, d.group) for d in deps] == [
        ("debug", "2.6.9", True, None),
        ("is-number", "6.0.0", False, "optional"),
        ("is-number", "7.0.0", True, None),
        ("is-odd", "3.0.1", True, "optional"),
        ("left-pad", "1.3.0", True, None),
        ("ms", "2.0.0", True, None),
        ("ms", "2.1.3", True, None),
    ]


def test_crlf_line_endings() -> None:
    text = (TESTDATA / "yarn-classic" / "yarn.lock").read_text().replace("\n", "\r\n")
    deps = extract_text(EXTRACTOR, text, "yarn.lock")
    assert [(d.name, d.version, d.line) for d in deps] == [
        (r[0], r[1], r[4]) for r in EXPECTED["yarn-classic"]
    ]


CLASSIC = (TESTDATA / "yarn-classic-sources.lock").read_text()


def test_classic_syntax_and_sources() -> None:
    deps = extract_text(EXTRACTOR, CLASSIC, "yarn.lock")
    assert rows(deps) == [
        ("@babel/code-frame", "7.12.13", True, None, 5, ("@babel/code-frame",), None),
        (
            "@babel/highlight",
            "7.13.10",
            False,
            None,
            12,
            ("@babel/code-frame", "@babel/highlight"),
            None,
        ),
        (
            "chalk",
            "2.4.2",
            False,
            None,
            17,
            ("@babel/code-frame", "@babel/highlight", "chalk"),
            None,
        ),
        (
            "from-git",
            None,
            True,
            None,
            20,
            ("from-git",),
            "not installed from the npm registry (git+https://github.com/acme/from-git.git#v1.0.0)",
        ),
        (
            "shorthand",
            None,
            True,
            None,
            24,
            ("shorthand",),
            "not installed from the npm registry (acme/shorthand#main)",
        ),
        (
            "tarball",
            None,
            True,
            None,
            28,
            ("tarball",),
            "not installed from the npm registry (https://example.com/tarball-1.0.0.tgz)",
        ),
        ("no-version", None, True, None, 31, ("no-version",), "no version in the lockfile"),
    ]


BERRY = (TESTDATA / "yarn-berry-patches.lock").read_text()


def test_berry_sources_and_patches() -> None:
    deps = extract_text(EXTRACTOR, BERRY, "yarn.lock")
    assert rows(deps) == [
        (
            "from-git",
            None,
            True,
            None,
            18,
            ("from-git",),
            "not installed from the npm registry (https://github.com/acme/from-git.git#commit=0123abc)",
        ),
        # Each patched package once, as the package the patch applies to.
        ("fsevents", "2.3.3", True, "optional", 24, ("fsevents",), None),
        ("lodash", "4.17.21", True, None, 38, ("lodash",), None),
    ]


def test_berry_patch_without_the_patched_entry_is_reported_itself() -> None:
    text = BERRY.replace('"lodash@npm:4.17.21":', '"lodash@npm:0.0.0-unused":').replace(
        'resolution: "lodash@npm:4.17.21"', 'resolution: "lodash@npm:0.0.0-unused"'
    )
    deps = extract_text(EXTRACTOR, text, "yarn.lock")
    assert [(d.name, d.version, d.direct, d.line) for d in deps if d.name == "lodash"] == [
        ("lodash", "0.0.0-unused", False, 38),
        ("lodash", "4.17.21", True, 44),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# yarn lockfile v1\n",
        "__metadata:\n  version: 8\n",
    ],
)
def test_empty_lockfiles(text: str) -> None:
    assert extract_text(EXTRACTOR, text, "yarn.lock") == []


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('a@^1:\n   version "1.0.0"\n', "indentation must be a multiple of two spaces", 2),
        ('a@^1:\n\tversion "1.0.0"\n', "indentation must be a multiple of two spaces", 2),
        ('a@^1:\n    version "1.0.0"\n', "unexpected indentation", 2),
        ('a@^1:\n  version "1.0.0\n', "unexpected '\"'", 2),
        ('a@^1:\n  version "1.0.0"\n  dependencies:\n    b\n', "expected 'key value' or 'key:'", 4),
        ('a@^1:\n  version "1.0.0" extra\n', "expected 'key value' or 'key:'", 2),
        ('a@^1:\n  , "x"\n', "expected a key", 2),
        ('<<<<<<< HEAD\na@^1:\n  version "1.0.0"\n', "unresolved merge conflict", 1),
        ('"\\x"@^1:\n  version "1"\n', "bad string", 1),
        ("__metadata:\n  version: [8\n", "invalid YAML", 3),
        ("__metadata:\n  version: 8\n---\na: 1\n", "expected one YAML document, found 2", None),
        ("__metadata: 1\n- a\n", "invalid YAML", 2),
        ("__metadata:\n  version: 8\nfoo@npm:1: x\n", "entry 'foo@npm:1' should be a mapping", 3),
        ("__metadata:\n  version: 8\nfoo@npm:1:\n  version: 1\n", "has no 'resolution'", 3),
        # Deep nesting is refused, whether the text is valid YAML or not.
        ("__metadata:\n  version: 8\n" + "- " * 300 + "x\n", "invalid YAML", 3),
        ("__metadata:\n  version: 8\nx:\n" + "- " * 300 + "x\n", "nested more than", None),
    ],
)
def test_broken_files(text: str, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text(EXTRACTOR, text, "yarn.lock")
    assert message in caught.value.message
    assert caught.value.line == line


def test_not_utf8() -> None:
    with pytest.raises(ExtractionError, match="not UTF-8"):
        EXTRACTOR.extract(ExtractInput(PurePosixPath("yarn.lock"), b"\xff\xfe\x00"))


# The classic parser reads the usual lines through one pattern and every other line token
# by token; whichever way a line goes, the result has to be the same.
_LINE_PIECES = st.sampled_from(
    ['"', "\\", ",", ":", "#", " ", "\t", "a", "@", "^1.0.0", ", ", '"x"', "\u00a0", "\x01", "é"]
)


def _tokenized(content: str) -> tuple[list[str], bool, str | None] | str:
    try:
        return _parse_tokens(content, 1)
    except ExtractionError as exc:
        return exc.message


def _fast(content: str) -> tuple[list[str], bool, str | None] | str:
    try:
        return _parse_line(content, 1)
    except ExtractionError as exc:
        return exc.message


@settings(max_examples=2000, deadline=None)
@given(st.lists(_LINE_PIECES, min_size=1, max_size=12).map("".join) | st.text(min_size=1))
def test_usual_lines_parse_as_any_line(content: str) -> None:
    content = content.lstrip(" ")
    assume(content and not content.isspace())
    assert _fast(content) == _tokenized(content)


@pytest.mark.parametrize(
    "content",
    [
        '"a@^1.0.0", "a@^1.1.0":',
        "a@^1.0.0, b@^2:",
        '"a, b@1", c:',
        'version "1.0.0"',
        "integrity sha512-AAAA==",
        '"@scope/a" "^1.0.0"',
        "dependencies:",
        'a "\\u0041"',
        'a "1" # note',
        "a: b",
    ],
)
def test_usual_lines(content: str) -> None:
    assert _fast(content) == _tokenized(content)
    assert not isinstance(_fast(content), str)

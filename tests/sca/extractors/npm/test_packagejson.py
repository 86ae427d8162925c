"""package.json as a manifest (hand-written fixture: a manifest is written by hand)."""

from __future__ import annotations

import pytest

from bastion.sca.extractors.base import ExtractionError
from bastion.sca.extractors.npm.packagejson import PackageJsonExtractor
from tests.sca.extractors.npm.fixtures import Row, extract_folder, extract_text, rows

EXTRACTOR = PackageJsonExtractor()

EXPECTED: dict[str, list[Row]] = {
    "manifest": [
        ("debug", None, True, None, 7, ("debug",), "declared range ^2.6.9, not resolved"),
        ("ms", None, True, None, 8, ("ms",), "declared range 2.1.3 as alias my-ms, not resolved"),
        ("@scope/pkg", None, True, None, 9, ("@scope/pkg",), "declared range ~1.2.0, not resolved"),
        ("@fx/lib", None, True, "local", 10, ("@fx/lib",), "local workspace package (workspace:*)"),
        ("local-dir", None, True, "local", 11, ("local-dir",), "local package (file:./local-dir)"),
        (
            "linked-dir",
            None,
            True,
            "local",
            12,
            ("linked-dir",),
            "linked local folder (link:./linked-dir)",
        ),
        ("sibling", None, True, "local", 13, ("sibling",), "local package (../sibling)"),
        (
            "from-git",
            None,
            True,
            None,
            14,
            ("from-git",),
            "git dependency (git+https://github.com/acme/from-git.git#v1.0.0)",
        ),
        ("shorthand", None, True, None, 15, ("shorthand",), "git dependency (acme/shorthand#main)"),
        (
            "from-github",
            None,
            True,
            None,
            16,
            ("from-github",),
            "git dependency (github:acme/from-github)",
        ),
        (
            "tarball",
            None,
            True,
            None,
            17,
            ("tarball",),
            "tarball URL (https://example.com/tarball-1.0.0.tgz)",
        ),
        ("anything", None, True, None, 18, ("anything",), "declared range *, not resolved"),
        ("tagged", None, True, None, 19, ("tagged",), "declared range latest, not resolved"),
        (
            "from-catalog",
            None,
            True,
            None,
            20,
            ("from-catalog",),
            "declared as catalog:, not resolved",
        ),
        ("left-pad", None, True, "dev", 23, ("left-pad",), "declared range 1.3.0, not resolved"),
        ("is-odd", None, True, "optional", 26, ("is-odd",), "declared range 3.0.1, not resolved"),
        ("react", None, True, "peer", 29, ("react",), "declared range >=17 <19, not resolved"),
    ],
}


def test_manifest() -> None:
    deps = extract_folder(EXTRACTOR, "manifest", "package.json")
    assert rows(deps) == EXPECTED["manifest"]
    assert {(d.source, d.extractor, d.ecosystem, d.approximate) for d in deps} == {
        ("package.json", "npm/packagejson", "npm", False)
    }


@pytest.mark.parametrize(
    "folder", ["yarn-classic", "yarn-berry", "pnpm-v9", "bun-v2", "pnpm-v9-workspaces"]
)
def test_manifests_next_to_lockfiles(folder: str) -> None:
    """Every declaration, never a version: a range is not a version."""
    deps = extract_folder(EXTRACTOR, folder, "package.json")
    assert deps
    assert {d.version for d in deps} == {None}
    assert all(d.direct and d.path == (d.name,) for d in deps)


def test_gives_way_to_every_lockfile() -> None:
    assert EXTRACTOR.superseded_by == {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lock",
        "bun.lockb",
    }


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        '{"name": "x", "type": "module"}',
        '{"dependencies": {}}',
        # Only the four dependency sections count, wherever the same words appear.
        '{"scripts": {"dependencies": "x"}, "bundledDependencies": ["a"]}',
    ],
)
def test_no_dependencies(text: str) -> None:
    assert extract_text(EXTRACTOR, text, "package.json") == []


def test_lines_survive_odd_spacing_and_escapes() -> None:
    text = '{"dependencies" :\n {"a":"1",\n"\\u0062":"2"}}'
    assert [(d.name, d.line) for d in extract_text(EXTRACTOR, text, "package.json")] == [
        ("a", 2),
        ("b", 3),
    ]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "invalid JSON", 1),
        ('{\n  "dependencies": {\n    "a": "1",\n  }\n}', "invalid JSON", 4),
        ("// comment\n{}", "invalid JSON", 1),
        ("[]", "expected a JSON object at the top, got an array", 1),
        ('{\n  "dependencies": ["a"]\n}', "'dependencies' should be an object, got an array", 2),
        (
            '{\n  "devDependencies": {\n    "a": 1\n  }\n}',
            "'a' in 'devDependencies' should be a string, got a number",
            3,
        ),
        ('{\n  "dependencies": {\n    "": "1.0.0"\n  }\n}', "has no name", 3),
    ],
)
def test_broken_files(text: str, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_text(EXTRACTOR, text, "package.json")
    assert message in caught.value.message
    assert caught.value.line == line

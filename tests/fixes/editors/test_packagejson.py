"""npm package.json: declared ranges raised in place, nested copies overridden."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors.base import EditError, EditResult
from bastion.fixes.editors.packagejson import PackageJsonEditor
from bastion.sca.extractors.base import ExtractInput
from bastion.sca.extractors.npm.packagejson import PackageJsonExtractor
from tests.fixes.editors.support import bump, version_and_fix

NPM = Ecosystem.NPM
PATH = PurePosixPath("package.json")
EDITOR = PackageJsonEditor()


def edit(text: str, *bumps: Any) -> EditResult:
    return EDITOR.edit(PATH, text.encode(), list(bumps))


def manifest(**dependencies: str) -> str:
    return json.dumps({"name": "app", "dependencies": dependencies}, indent=2) + "\n"


@pytest.mark.parametrize(
    ("declared", "raised"),
    [
        ("4.17.15", "4.17.21"),
        ("^4.17.15", "^4.17.21"),
        ("~4.17.15", "~4.17.21"),
        (">=4.17.15", ">=4.17.21"),
        ("=4.17.15", "=4.17.21"),
        ("v4.17.15", "v4.17.21"),
        ("^4.17", "^4.17.21"),
        ("^ 4.17.15", "^ 4.17.21"),
    ],
)
def test_a_declared_range_keeps_its_operator(declared: str, raised: str) -> None:
    result = edit(manifest(lodash=declared), bump(NPM, "lodash", ("4.17.15", "4.17.21")))
    assert json.loads(result.data)["dependencies"]["lodash"] == raised
    assert result.data.decode() == manifest(lodash=raised)
    assert [(c.before, c.after) for c in result.changes] == [(declared, raised)]
    assert result.skipped == ()


@pytest.mark.parametrize(
    ("declared", "reason"),
    [
        (">=4.0.0 <5.0.0", "is not a single version"),
        ("4.x", "is a wildcard"),
        ("latest", "is not a single version"),
        ("npm:lodash@4.17.15", "is not a single version"),
        ("<4.17.21", "is not a single version"),
        ("^4.17.21", "already asks for ^4.17.21: only the lockfile needs refreshing"),
    ],
)
def test_ranges_that_cannot_be_raised_are_left_with_a_reason(declared: str, reason: str) -> None:
    text = manifest(lodash=declared)
    result = edit(text, bump(NPM, "lodash", ("4.17.15", "4.17.21")))
    assert result.data.decode() == text
    assert result.changes == ()
    [skip] = result.skipped
    assert reason in skip.reason


def test_dev_and_optional_dependencies_are_raised_too_peer_ranges_are_not() -> None:
    text = json.dumps(
        {
            "devDependencies": {"jest": "^26.0.0"},
            "optionalDependencies": {"fsevents": "2.1.0"},
            "peerDependencies": {"react": "^16.0.0"},
        },
        indent=2,
    )
    result = edit(
        text,
        bump(NPM, "jest", ("26.0.0", "26.6.3")),
        bump(NPM, "fsevents", ("2.1.0", "2.1.3")),
    )
    doc = json.loads(result.data)
    assert doc["devDependencies"] == {"jest": "^26.6.3"}
    assert doc["optionalDependencies"] == {"fsevents": "2.1.3"}
    assert doc["peerDependencies"] == {"react": "^16.0.0"}


@pytest.mark.parametrize(
    ("lockfile", "where", "overrides"),
    [
        ("package-lock.json", ("overrides",), {"qs@6.5.1": "6.5.3", "qs@6.2.0": "6.2.4"}),
        ("npm-shrinkwrap.json", ("overrides",), {"qs@6.5.1": "6.5.3", "qs@6.2.0": "6.2.4"}),
        ("pnpm-lock.yaml", ("pnpm", "overrides"), {"qs@6.5.1": "6.5.3", "qs@6.2.0": "6.2.4"}),
        ("yarn.lock", ("resolutions",), {"qs": "6.5.3"}),
        ("bun.lock", ("overrides",), {"qs": "6.5.3"}),
    ],
)
def test_nested_copies_are_overridden_where_their_package_manager_looks(
    lockfile: str, where: tuple[str, ...], overrides: dict[str, str]
) -> None:
    nested = bump(NPM, "qs", ("6.5.1", "6.5.3", False), ("6.2.0", "6.2.4", False), source=lockfile)
    result = edit(manifest(express="4.16.0"), nested)
    doc = json.loads(result.data)
    for key in where:
        doc = doc[key]
    assert doc == overrides
    assert all(c.override for c in result.changes)


def test_a_direct_dependency_is_raised_and_its_nested_copy_overridden() -> None:
    cookie = bump(NPM, "cookie", ("0.4.0", "0.7.0", True), ("0.3.1", "0.7.0", False))
    result = edit(manifest(cookie="0.4.0"), cookie)
    doc = json.loads(result.data)
    assert doc["dependencies"] == {"cookie": "0.7.0"}
    assert doc["overrides"] == {"cookie@0.3.1": "0.7.0"}


def test_existing_overrides_are_raised_rather_than_doubled() -> None:
    text = json.dumps(
        {
            "dependencies": {"express": "4.16.0"},
            "overrides": {"qs": "6.5.1", "send": {".": "0.16.0", "debug": "2.6.9"}, "x": "1.0.0"},
        },
        indent=4,
    )
    result = edit(
        text,
        bump(NPM, "qs", ("6.5.1", "6.5.3", False)),
        bump(NPM, "send", ("0.16.0", "0.19.0", False)),
    )
    assert json.loads(result.data)["overrides"] == {
        "qs": "6.5.3",
        "send": {".": "0.19.0", "debug": "2.6.9"},
        "x": "1.0.0",
    }
    assert result.data.decode() == text.replace('"6.5.1"', '"6.5.3"').replace(
        '"0.16.0"', '"0.19.0"'
    )


def test_an_override_that_already_forces_a_fix_is_left_alone() -> None:
    text = json.dumps({"overrides": {"qs@6.5.1": "6.7.0"}})
    result = edit(text, bump(NPM, "qs", ("6.5.1", "6.5.3", False)))
    assert result.data.decode() == text
    assert "already forces 6.7.0" in result.skipped[0].reason


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ('"overrides": []', "'overrides' is not an object"),
        ('"overrides": {"qs": {"debug": "2.6.9"}}', "has no '.' entry"),
    ],
)
def test_override_shapes_bastion_cannot_extend(overrides: str, reason: str) -> None:
    text = "{" + overrides + "}"
    result = edit(text, bump(NPM, "qs", ("6.5.1", "6.5.3", False)))
    assert result.data.decode() == text
    assert reason in result.skipped[0].reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Tabs and CRLF, kept.
        (
            '{\r\n\t"dependencies": {\r\n\t\t"a": "1.0.0"\r\n\t}\r\n}\r\n',
            '{\r\n\t"dependencies": {\r\n\t\t"a": "1.0.0"\r\n\t},\r\n\t"overrides": {\r\n'
            '\t\t"b@1.0.0": "1.0.1"\r\n\t}\r\n}\r\n',
        ),
        # Minified stays minified.
        (
            '{"dependencies":{"a":"1.0.0"}}',
            '{"dependencies":{"a":"1.0.0"},"overrides":{"b@1.0.0":"1.0.1"}}',
        ),
        # An empty overrides object is filled in the file's indentation.
        (
            '{\n  "overrides": {}\n}',
            '{\n  "overrides": {\n    "b@1.0.0": "1.0.1"\n  }\n}',
        ),
        # pnpm's table is created inside an existing "pnpm" object.
        (
            '{\n  "pnpm": {\n    "neverBuiltDependencies": []\n  }\n}',
            None,
        ),
    ],
)
def test_layout_is_kept(text: str, expected: str | None) -> None:
    if expected is None:
        source = "pnpm-lock.yaml"
        expected = (
            '{\n  "pnpm": {\n    "neverBuiltDependencies": [],\n    "overrides": {\n'
            '      "b@1.0.0": "1.0.1"\n    }\n  }\n}'
        )
    else:
        source = "package-lock.json"
    result = edit(text, bump(NPM, "b", ("1.0.0", "1.0.1", False), source=source))
    assert result.data.decode() == expected


def test_a_byte_order_mark_and_unicode_survive() -> None:
    text = '{"description": "café ☕", "dependencies": {"a": "^1.0.0"}}'
    result = EDITOR.edit(
        PATH, b"\xef\xbb\xbf" + text.encode(), [bump(NPM, "a", ("1.0.0", "1.2.0"))]
    )
    assert result.data == b"\xef\xbb\xbf" + text.replace("^1.0.0", "^1.2.0").encode()


@pytest.mark.parametrize("text", ["{", "[]", '{"a": NaN}', '{"dependencies": {"a": 1}}'])
def test_unreadable_manifests(text: str) -> None:
    if text.startswith('{"dependencies"'):
        result = edit(text, bump(NPM, "a", ("1.0.0", "1.0.1")))
        assert "is not a string" in result.skipped[0].reason
        return
    with pytest.raises(EditError):
        edit(text, bump(NPM, "a", ("1.0.0", "1.0.1")))


def test_manifest_for_lockfiles_and_itself() -> None:
    for source in ("package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "package.json"):
        assert EDITOR.manifest_for(PurePosixPath("web", source)) == PurePosixPath(
            "web/package.json"
        )
    assert EDITOR.manifest_for(PurePosixPath("requirements.txt")) is None


# -- the property: any json.dumps-formatted manifest, any bumps ------------------------

names = st.from_regex(r"(@[a-z]{1,4}/)?[a-z][a-z0-9-]{0,6}", fullmatch=True)
SECTIONS = ("dependencies", "devDependencies", "optionalDependencies")


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], list[Any], dict[str, Any]]:
    """(manifest, bumps, the manifest as the edit must leave it)."""
    pool = draw(st.lists(names, min_size=1, max_size=8, unique=True))
    declared_count = draw(st.integers(0, len(pool)))
    doc: dict[str, Any] = {"name": "app", "version": "1.0.0"}
    expected_sections: dict[str, dict[str, str]] = {}
    bumps: list[Any] = []
    for name in pool[:declared_count]:
        section = draw(st.sampled_from(SECTIONS))
        installed, fixed = draw(version_and_fix())
        operator = draw(st.sampled_from(("", "^", "~", ">=", "=")))
        doc.setdefault(section, {})[name] = operator + installed
        expected_sections.setdefault(section, {})[name] = operator + installed
        if draw(st.booleans()):
            bumps.append(bump(NPM, name, (installed, fixed)))
            expected_sections[section][name] = operator + fixed
    if draw(st.booleans()):
        doc["scripts"] = {"start": "node index.js"}
    existing = draw(st.sampled_from((None, {}, {"unrelated": "1.0.0"})))
    if existing is not None:
        doc["overrides"] = dict(existing)
    overrides: dict[str, str] = dict(existing or {})
    for name in pool[declared_count:]:
        copies = draw(st.lists(version_and_fix(), min_size=1, max_size=2, unique_by=lambda v: v[0]))
        bumps.append(bump(NPM, name, *((i, f, False) for i, f in copies)))
        overrides.update({f"{name}@{installed}": fixed for installed, fixed in copies})
    expected = json.loads(json.dumps(doc))
    expected.update(expected_sections)
    if overrides:
        expected["overrides"] = overrides
    return doc, bumps, expected


def dump(doc: dict[str, Any], indent: int | str | None, newline: str, final: str) -> str:
    separators = (",", ":") if indent is None else None
    text = json.dumps(doc, indent=indent, separators=separators, ensure_ascii=False)
    return text.replace("\n", newline) + final


@settings(max_examples=150, deadline=None)
@given(
    scenarios(),
    st.sampled_from((2, 4, "\t", None)),
    st.sampled_from(("\n", "\r\n")),
    st.sampled_from(("", "\n")),
)
def test_any_manifest_changes_exactly_the_intended_versions(
    scenario: tuple[dict[str, Any], list[Any], dict[str, Any]],
    indent: int | str | None,
    newline: str,
    final: str,
) -> None:
    doc, bumps, expected = scenario
    before = dump(doc, indent, newline, final)

    result = edit(before, *bumps)

    after = result.data.decode()
    # Byte for byte what the intended document looks like in the file's own style.
    assert after == dump(expected, indent, newline, final)
    # The project's own reader sees the same declarations, only the raised ranges new.
    extractor = PackageJsonExtractor()
    old = extractor.extract(ExtractInput(PATH, before.encode()))
    new = extractor.extract(ExtractInput(PATH, result.data))
    assert [(d.name, d.group) for d in new] == [(d.name, d.group) for d in old]
    ranges = {
        name: spec for section in SECTIONS for name, spec in expected.get(section, {}).items()
    }
    assert [d.note for d in new] == [f"declared range {ranges[d.name]}, not resolved" for d in new]

"""Whatever bytes an extractor is given, it returns dependencies or raises ExtractionError.

Arbitrary bytes exercise the decoding and syntax layers; mutations of real fixtures get
past the syntax and exercise the structure checks.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError, Extractor
from bastion.sca.extractors.registry import EXTRACTORS

HERE = Path(__file__).parent
FILE_NAMES = {
    "npm/packagelock": "package-lock.json",
    "pypi/requirements": "requirements.txt",
    "go/gomod": "go.mod",
    "cargo/cargolock": "Cargo.lock",
    "maven/pomxml": "pom.xml",
    "maven/gradlelockfile": "gradle.lockfile",
    "nuget/packageslockjson": "packages.lock.json",
    "nuget/csproj": "App.csproj",
    "nuget/packagesconfig": "packages.config",
    "php/composerlock": "composer.lock",
    "php/composerjson": "composer.json",
    "pypi/poetrylock": "poetry.lock",
    "pypi/pipfilelock": "Pipfile.lock",
    "pypi/uvlock": "uv.lock",
    "pypi/pdmlock": "pdm.lock",
    "pypi/pylock": "pylock.toml",
    "pypi/pyproject": "pyproject.toml",
    "cargo/cargotoml": "Cargo.toml",
    "go/vendormodules": "vendor/modules.txt",
    "ruby/gemfilelock": "Gemfile.lock",
    "dart/pubspeclock": "pubspec.lock",
    "erlang/mixlock": "mix.lock",
    "cocoapods/podfilelock": "Podfile.lock",
    "swift/packageresolved": "Package.resolved",
    "npm/yarnlock": "yarn.lock",
    "npm/pnpmlock": "pnpm-lock.yaml",
    "npm/bunlock": "bun.lock",
    "npm/packagejson": "package.json",
}
VALID_FIXTURES = {
    "npm/packagelock": [
        "npm/testdata/lockfile-v1.json",
        "npm/testdata/lockfile-v2.json",
        "npm/testdata/lockfile-v3.json",
    ],
    "pypi/requirements": [
        "pypi/testdata/pins-ranges-and-options.txt",
        "pypi/testdata/continuations-and-hashes.txt",
    ],
    "go/gomod": ["go/testdata/replace-forms.mod", "go/testdata/quoting-and-comments.mod"],
    "cargo/cargolock": ["cargo/testdata/workspace-v3.lock", "cargo/testdata/lockfile-v1.lock"],
    "maven/pomxml": [
        "maven/testdata/multimodule/app/pom.xml",
        "maven/testdata/external-parent-and-edge-cases.xml",
    ],
    "maven/gradlelockfile": [
        "maven/testdata/gradle/gradle.lockfile",
        "maven/testdata/gradle/legacy/gradle/dependency-locks/testRuntimeClasspath.lockfile",
    ],
    "nuget/packageslockjson": [
        "nuget/testdata/lock-v1-frameworks.json",
        "nuget/testdata/lock-v2-central.json",
    ],
    "nuget/csproj": ["nuget/testdata/sdk-style.csproj", "nuget/testdata/legacy-namespace.csproj"],
    "nuget/packagesconfig": ["nuget/testdata/packages.config"],
    "php/composerlock": ["php/testdata/app/composer.lock", "php/testdata/composer1/composer.lock"],
    "php/composerjson": ["php/testdata/app/composer.json"],
    "pypi/poetrylock": [
        "pypi/testdata/poetry-v1.1/poetry.lock",
        "pypi/testdata/poetry-sources/poetry.lock",
    ],
    "pypi/pipfilelock": [
        "pypi/testdata/pipenv/Pipfile.lock",
        "pypi/testdata/pipenv-sources/Pipfile.lock",
    ],
    "pypi/uvlock": [
        "pypi/testdata/uv-workspace/uv.lock",
        "pypi/testdata/uv-virtual-workspace/uv.lock",
    ],
    "pypi/pdmlock": ["pypi/testdata/pdm/pdm.lock", "pypi/testdata/pdm-sources/pdm.lock"],
    "pypi/pylock": [
        "pypi/testdata/pylock-spec/pylock.spec.toml",
        "pypi/testdata/uv-workspace/pylock.toml",
    ],
    "pypi/pyproject": [
        "pypi/testdata/pyproject-forms/pyproject.toml",
        "pypi/testdata/poetry-v2.1/pyproject.toml",
    ],
    "cargo/cargotoml": [
        "cargo/testdata/manifest/Cargo.toml",
        "cargo/testdata/workspace/Cargo.toml",
    ],
    "go/vendormodules": [
        "go/testdata/go117-app/vendor/modules.txt",
        "go/testdata/vendor-unused-replacements.txt",
    ],
    "ruby/gemfilelock": [
        "ruby/testdata/gemspec-and-git/Gemfile.lock",
        "ruby/testdata/platforms-and-sources.lock",
    ],
    "dart/pubspeclock": ["dart/testdata/dart3.lock", "dart/testdata/dart2-legacy.lock"],
    "erlang/mixlock": ["erlang/testdata/app/mix.lock", "erlang/testdata/legacy.lock"],
    "cocoapods/podfilelock": ["cocoapods/testdata/app.lock"],
    "swift/packageresolved": [
        "swift/testdata/v1/Package.resolved",
        "swift/testdata/v3/Package.resolved",
    ],
    "npm/yarnlock": [
        "npm/testdata/yarn-classic-sources.lock",
        "npm/testdata/yarn-classic-workspaces/yarn.lock",
        "npm/testdata/yarn-berry-patches.lock",
        "npm/testdata/yarn-berry-workspaces/yarn.lock",
    ],
    "npm/pnpmlock": [
        "npm/testdata/pnpm-v5-workspaces/pnpm-lock.yaml",
        "npm/testdata/pnpm-v6-groups.yaml",
        "npm/testdata/pnpm-v9-workspaces/pnpm-lock.yaml",
        "npm/testdata/pnpm-v9-env-and-urls.yaml",
    ],
    "npm/bunlock": ["npm/testdata/bun-sources.lock", "npm/testdata/bun-v2-workspaces/bun.lock"],
    "npm/packagejson": ["npm/testdata/manifest/package.json"],
}
# Fragments that matter to some syntax; splicing them in reaches more branches than
# random bytes do.
TOKENS = [
    b'"',
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"\\",
    b"\n",
    b" ",
    b"#",
    b"//",
    b"=",
    b"==",
    b"=>",
    b"(",
    b")",
    b"null",
    b"true",
    b"1",
    b'""',
    b"[]",
    b"{}",
    b"-e ",
    b"@",
    b";",
    b"[[package]]",
    b"node_modules/",
    b'"link": true',
    b"\xff",
    b"\x00",
    b"`",
    b"'",
    b"<",
    b">",
    b"/>",
    b"</",
    b"${",
    b"$(",
    b"<!--",
    b"&amp;",
    b'="',
    b"-r ",
    b"-c ",
    b"[[packages]]",
    b"{ name = ",
    b"%{",
    b"    ",
    b"## explicit",
    b"specs:",
    b"- ",
    b":hex",
    b"  ",
    b"/*",
    b"npm:",
    b"link:",
    b"workspace:",
    b"patch:",
    b"__metadata:",
    b"(peer@1.0.0)",
]

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(extractor: Extractor, data: bytes) -> None:
    name = FILE_NAMES[extractor.name]
    error: ExtractionError | None = None
    deps: list[Dependency] = []
    try:
        deps = extractor.extract(ExtractInput(PurePosixPath(name), data))
    except ExtractionError as exc:
        error = exc
    if error is not None:
        assert isinstance(error.message, str)
        assert error.message
        assert error.line is None or error.line >= 1
        return
    assert isinstance(deps, list)
    line_count = data.count(b"\n") + 1
    for dep in deps:
        assert isinstance(dep, Dependency)
        assert isinstance(dep.name, str)
        assert dep.name
        assert dep.version is None or (isinstance(dep.version, str) and dep.version)
        assert dep.line is None or 1 <= dep.line <= line_count
        assert dep.source == name
        assert dep.extractor == extractor.name


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        match draw(st.sampled_from(["insert", "delete", "replace", "truncate", "byte"])):
            case "insert":
                data[at:at] = draw(st.sampled_from(TOKENS))
            case "delete":
                del data[at : at + draw(st.integers(1, 40))]
            case "replace":
                data[at : at + draw(st.integers(1, 8))] = draw(st.sampled_from(TOKENS))
            case "truncate":
                del data[at:]
            case _:
                data[at:at] = bytes([draw(st.integers(0, 255))])
    return bytes(data)


@pytest.mark.parametrize("name", sorted(EXTRACTORS))
@SETTINGS
@given(data=st.binary(max_size=512))
def test_arbitrary_bytes(name: str, data: bytes) -> None:
    check(EXTRACTORS[name], data)


@pytest.mark.parametrize("name", sorted(EXTRACTORS))
@SETTINGS
@given(text=st.text(max_size=300))
def test_arbitrary_text(name: str, text: str) -> None:
    check(EXTRACTORS[name], text.encode())


@pytest.mark.parametrize(
    ("name", "fixture"),
    [(name, fixture) for name, fixtures in VALID_FIXTURES.items() for fixture in fixtures],
)
@SETTINGS
@given(choice=st.data())
def test_mutated_fixtures(name: str, fixture: str, choice: st.DataObject) -> None:
    original = (HERE / fixture).read_bytes()
    check(EXTRACTORS[name], choice.draw(mutated(original)))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _containers(value: object, found: list[object]) -> list[object]:
    if isinstance(value, dict | list):
        found.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            _containers(child, found)
    return found


@pytest.mark.parametrize("fixture", VALID_FIXTURES["npm/packagelock"])
@SETTINGS
@given(choice=st.data())
def test_npm_wrong_types_anywhere(fixture: str, choice: st.DataObject) -> None:
    """Swap any value in a valid lockfile for any other JSON value: still no crash."""
    doc = json.loads((HERE / fixture).read_text())
    for _ in range(choice.draw(st.integers(1, 3))):
        container = choice.draw(st.sampled_from(_containers(doc, [])))
        replacement = choice.draw(JSON_VALUES)
        if isinstance(container, dict) and container:
            container[choice.draw(st.sampled_from(sorted(container)))] = replacement
        elif isinstance(container, list) and container:
            container[choice.draw(st.integers(0, len(container) - 1))] = replacement
    check(EXTRACTORS["npm/packagelock"], json.dumps(doc, indent=2).encode())


def test_every_extractor_is_covered() -> None:
    assert set(FILE_NAMES) == set(VALID_FIXTURES) == set(EXTRACTORS)

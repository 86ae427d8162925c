"""Structure-level properties of the yarn/pnpm/bun/package.json extractors.

The shared byte-level tests (../test_properties.py) rarely produce a document that
parses but has the wrong shape; these swap values of valid fixtures for values of any
other type, and feed any bytes as the neighbouring package.json files.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError, Extractor
from bastion.sca.extractors.npm import _jsonc
from bastion.sca.extractors.npm.bunlock import BunLockExtractor
from bastion.sca.extractors.npm.packagejson import PackageJsonExtractor
from bastion.sca.extractors.npm.pnpmlock import PnpmLockExtractor
from bastion.sca.extractors.npm.yarnlock import YarnLockExtractor
from tests.sca.extractors.npm.fixtures import TESTDATA

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALUES = st.recursive(
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


def _swap(doc: object, choice: st.DataObject) -> None:
    for _ in range(choice.draw(st.integers(1, 3))):
        container = choice.draw(st.sampled_from(_containers(doc, [])))
        replacement = choice.draw(VALUES)
        if isinstance(container, dict) and container:
            container[choice.draw(st.sampled_from(sorted(container, key=str)))] = replacement
        elif isinstance(container, list) and container:
            container[choice.draw(st.integers(0, len(container) - 1))] = replacement


def _check(
    extractor: Extractor, name: str, data: bytes, neighbours: dict[str, bytes] | None = None
) -> None:
    def read(path: PurePosixPath) -> bytes | None:
        return (neighbours or {}).get(str(path))

    error: ExtractionError | None = None
    deps: list[Dependency] = []
    try:
        deps = extractor.extract(ExtractInput(PurePosixPath(name), data, read))
    except ExtractionError as exc:
        error = exc
    if error is not None:
        assert error.message
        assert error.line is None or error.line >= 1
        return
    assert all(isinstance(dep, Dependency) and dep.name for dep in deps)
    assert all(dep.version is None or dep.version for dep in deps)


YAML_FIXTURES = [
    (YarnLockExtractor(), "yarn.lock", "yarn-berry-workspaces/yarn.lock"),
    (YarnLockExtractor(), "yarn.lock", "yarn-berry-patches.lock"),
    (PnpmLockExtractor(), "pnpm-lock.yaml", "pnpm-v5-workspaces/pnpm-lock.yaml"),
    (PnpmLockExtractor(), "pnpm-lock.yaml", "pnpm-v6-groups.yaml"),
    (PnpmLockExtractor(), "pnpm-lock.yaml", "pnpm-v9-workspaces/pnpm-lock.yaml"),
]


@pytest.mark.parametrize(("extractor", "name", "fixture"), YAML_FIXTURES)
@SETTINGS
@given(choice=st.data())
def test_yaml_wrong_types_anywhere(
    extractor: Extractor, name: str, fixture: str, choice: st.DataObject
) -> None:
    documents = list(yaml.safe_load_all((TESTDATA / fixture).read_text()))
    _swap(documents, choice)
    _check(extractor, name, yaml.safe_dump_all(documents).encode())


JSON_FIXTURES = [
    (BunLockExtractor(), "bun.lock", "bun-sources.lock"),
    (BunLockExtractor(), "bun.lock", "bun-v2-workspaces/bun.lock"),
    (PackageJsonExtractor(), "package.json", "manifest/package.json"),
]


@pytest.mark.parametrize(("extractor", "name", "fixture"), JSON_FIXTURES)
@SETTINGS
@given(choice=st.data())
def test_json_wrong_types_anywhere(
    extractor: Extractor, name: str, fixture: str, choice: st.DataObject
) -> None:
    text = (TESTDATA / fixture).read_text()
    doc = json.loads(_jsonc.scan(text, jsonc=True).json_text)
    _swap(doc, choice)
    _check(extractor, name, json.dumps(doc, indent=2).encode())


NEIGHBOURS = [
    (YarnLockExtractor(), "yarn.lock", "yarn-classic-workspaces"),
    (YarnLockExtractor(), "yarn.lock", "yarn-berry-workspaces"),
    (PnpmLockExtractor(), "pnpm-lock.yaml", "pnpm-v9-workspaces"),
]


@pytest.mark.parametrize(("extractor", "name", "folder"), NEIGHBOURS)
@SETTINGS
@given(root=st.binary(max_size=200), workspace=st.binary(max_size=200))
def test_any_neighbouring_package_json(
    extractor: Extractor, name: str, folder: str, root: bytes, workspace: bytes
) -> None:
    data = (TESTDATA / folder / name).read_bytes()
    neighbours = {"package.json": root, "packages/lib/package.json": workspace}
    _check(extractor, name, data, neighbours)


@pytest.mark.parametrize(("extractor", "name", "folder"), NEIGHBOURS)
@SETTINGS
@given(manifest=st.dictionaries(st.sampled_from(["dependencies", "name", "workspaces"]), VALUES))
def test_any_neighbouring_manifest_shape(
    extractor: Extractor, name: str, folder: str, manifest: dict[str, object]
) -> None:
    data = (TESTDATA / folder / name).read_bytes()
    encoded = json.dumps(manifest).encode()
    _check(extractor, name, data, {"package.json": encoded, "packages/lib/package.json": encoded})

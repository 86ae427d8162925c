"""Swap any value of a valid fixture, or of the manifest beside it, for any other value:
the PyPI extractors still return dependencies or raise ExtractionError, nothing else."""

from __future__ import annotations

import json
import math
import tomllib
from datetime import date, datetime, time
from pathlib import PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError, Extractor
from bastion.sca.extractors.pypi.pdmlock import PdmLockExtractor
from bastion.sca.extractors.pypi.pipfilelock import PipfileLockExtractor
from bastion.sca.extractors.pypi.poetrylock import PoetryLockExtractor
from bastion.sca.extractors.pypi.pylock import PylockExtractor
from bastion.sca.extractors.pypi.pyproject import PyprojectExtractor
from bastion.sca.extractors.pypi.uvlock import UvLockExtractor
from tests.sca.extractors.pypi.support import TESTDATA

# (extractor, fixture directory, file name, manifest beside it or None)
CASES: list[tuple[Extractor, str, str, str | None]] = [
    (PoetryLockExtractor(), "poetry-v1.1", "poetry.lock", "pyproject.toml"),
    (PoetryLockExtractor(), "poetry-sources", "poetry.lock", None),
    (UvLockExtractor(), "uv-sources", "uv.lock", None),
    (UvLockExtractor(), "uv-virtual-workspace", "uv.lock", None),
    (PdmLockExtractor(), "pdm-sources", "pdm.lock", "pyproject.toml"),
    (PylockExtractor(), "pylock-spec", "pylock.spec.toml", None),
    (PylockExtractor(), "pipenv", "pylock.pipenv.toml", None),
    (PyprojectExtractor(), "pyproject-forms", "pyproject.toml", None),
    (PipfileLockExtractor(), "pipenv", "Pipfile.lock", "Pipfile"),
]

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from([".", "main", "dev", "default", "==1.0", "six", "git"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _toml_value(value: object) -> str:
    """An inline TOML rendering; ``None`` (which TOML lacks) becomes an empty table."""
    if value is None:
        return "{}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) and "e" not in repr(value) else "0.5"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    assert isinstance(value, dict)
    pairs = (f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items())
    return "{" + ", ".join(pairs) + "}"


def _dump(doc: dict[str, object], as_json: bool) -> bytes:
    if as_json:
        return json.dumps(doc, indent=4).encode()
    return "\n".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in doc.items()).encode()


def _containers(value: object, found: list[object]) -> list[object]:
    if isinstance(value, dict | list):
        found.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            _containers(child, found)
    return found


def _mutate(doc: dict[str, object], choice: st.DataObject) -> None:
    for _ in range(choice.draw(st.integers(1, 3))):
        container = choice.draw(st.sampled_from(_containers(doc, [])))
        replacement = choice.draw(VALUES)
        if isinstance(container, dict) and container:
            container[choice.draw(st.sampled_from(sorted(container)))] = replacement
        elif isinstance(container, list) and container:
            container[choice.draw(st.integers(0, len(container) - 1))] = replacement


def _load(path: str) -> dict[str, object]:
    text = (TESTDATA / path).read_text()
    loaded: dict[str, object] = (
        json.loads(text) if path.endswith("Pipfile.lock") else tomllib.loads(text)
    )
    return loaded


def _run(extractor: Extractor, name: str, data: bytes, manifest: tuple[str, bytes] | None) -> None:
    def read(path: PurePosixPath) -> bytes | None:
        return manifest[1] if manifest and str(path) == manifest[0] else None

    try:
        deps = extractor.extract(ExtractInput(PurePosixPath(name), data, read))
    except ExtractionError as exc:
        deps, message = [], exc.message
    else:
        message = "ok"
    assert message
    assert all(isinstance(d, Dependency) and d.name for d in deps)
    assert all(d.version is None or (isinstance(d.version, str) and d.version) for d in deps)


@pytest.mark.parametrize(("extractor", "directory", "name", "manifest"), CASES)
@SETTINGS
@given(choice=st.data())
def test_wrong_types_in_the_file(
    extractor: Extractor, directory: str, name: str, manifest: str | None, choice: st.DataObject
) -> None:
    doc = _load(f"{directory}/{name}")
    _mutate(doc, choice)
    beside = (manifest, (TESTDATA / directory / manifest).read_bytes()) if manifest else None
    _run(extractor, name, _dump(doc, name == "Pipfile.lock"), beside)


@pytest.mark.parametrize(
    ("extractor", "directory", "name", "manifest"), [c for c in CASES if c[3] is not None]
)
@SETTINGS
@given(choice=st.data())
def test_wrong_types_in_the_manifest(
    extractor: Extractor, directory: str, name: str, manifest: str | None, choice: st.DataObject
) -> None:
    assert manifest is not None
    doc = tomllib.loads((TESTDATA / directory / manifest).read_text())
    _mutate(doc, choice)
    data = (TESTDATA / directory / name).read_bytes()
    _run(extractor, name, data, (manifest, _dump(doc, as_json=False)))

"""Pipfile.lock fixtures, produced by ``pipenv lock`` (pipenv 2026.10.3, pipfile-spec 6).

* pipenv: with the Pipfile beside it; a local editable path package in ``default``.
* pipenv-sources: git (a local repository whose URL was replaced by an https one
  afterwards) and a wheel URL, ``six`` in both sections, and no Pipfile beside it.
"""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.sca.extractors.base import ExtractionError
from bastion.sca.extractors.pypi.pipfilelock import PipfileLockExtractor
from tests.sca.extractors.pypi.support import TESTDATA, extract_bytes, extract_in, rows

EXTRACTOR = PipfileLockExtractor()

# (name, version, direct, group, path, line, note)
Full = tuple[str, str | None, bool, str | None, tuple[str, ...], int | None, str | None]

EXPECTED: dict[str, list[Full]] = {
    "pipenv": [
        ("idna", "3.20", True, None, ("idna",), 19, None),
        ("importlib-metadata", "8.9.0", True, None, ("importlib-metadata",), 28, None),
        (
            "localpkg",
            None,
            True,
            None,
            ("localpkg",),
            36,
            "local path (./localpkg), no pinned version",
        ),
        ("six", "1.16.0", True, None, ("six",), 40, None),
        # Not in the Pipfile: transitive; the lock has no graph to say through what.
        ("zipp", "4.1.2", False, None, (), 49, None),
        ("attrs", "23.2.0", True, "dev", ("attrs",), 59, None),
        ("iniconfig", "2.3.1", True, "dev", ("iniconfig",), 68, None),
    ],
    "pipenv-sources": [
        (
            "gitpkg",
            None,
            True,
            None,
            ("gitpkg",),
            17,
            "from git (https://github.com/acme/gitpkg.git@1906d9e008ae60ff03706b17188b8916f6f5be04)"
            ", no pinned version",
        ),
        (
            "iniconfig",
            None,
            True,
            None,
            ("iniconfig",),
            21,
            "from a URL (https://files.pythonhosted.org/packages/2c/e1/"
            "e6716421ea10d38022b952c159d5161ca1193197fb744506875fbb87ea7b/iniconfig-...)"
            ", no pinned version",
        ),
        ("six", "1.17.0", True, None, ("six",), 28, None),
        ("six", "1.17.0", True, "dev", ("six",), 38, None),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    deps = extract_in(EXTRACTOR, TESTDATA / fixture, "Pipfile.lock")
    assert [(*row, d.line, d.note) for row, d in zip(rows(deps), deps, strict=True)] == (
        EXPECTED[fixture]
    )
    for dep in deps:
        assert (dep.ecosystem, dep.source, dep.extractor) == (
            Ecosystem.PYPI,
            "Pipfile.lock",
            "pypi/pipfilelock",
        )


@pytest.mark.parametrize(
    ("entry", "version", "note"),
    [
        ('{"version": "==1.0"}', "1.0", None),
        ('{"version": "===1.0"}', "1.0", None),
        ('{"version": "*"}', None, "no pinned version"),
        ('{"version": ">=1.0"}', None, "no pinned version (>=1.0)"),
        ('{"version": "==1.*"}', None, "no pinned version (==1.*)"),
        ("{}", None, "no pinned version"),
        ('{"file": "./dist/a-1.0.whl"}', None, "local file (./dist/a-1.0.whl), no pinned version"),
        ('{"git": "https://h/a.git", "version": "==1.0"}', "1.0", "from git (https://h/a.git)"),
    ],
)
def test_versions(entry: str, version: str | None, note: str | None) -> None:
    data = f'{{"default": {{"a": {entry}}}}}'.encode()
    [dep] = extract_bytes(EXTRACTOR, data, "Pipfile.lock")
    assert (dep.version, dep.note) == (version, note)


def test_duplicate_keys_cost_only_the_line_numbers() -> None:
    data = b'{"default": {"a": {"version": "==1"}, "a": {"version": "==2"}}}'
    assert [(d.version, d.line) for d in extract_bytes(EXTRACTOR, data, "Pipfile.lock")] == [
        ("2", None)
    ]


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b'{"default": {"a": ', "invalid JSON", 1),
        (b"[]", "expected a JSON object", 1),
        (b'{"default": []}', "'default' should be an object", None),
        (b'{"develop": {"a": "==1.0"}}', "'develop.a' should be an object", None),
        (b'{"default": {\n"a": {"version": 1}}}', "'version' should be a string", 2),
        (b"[" * 100_000, "invalid JSON", None),
    ],
)
def test_broken(data: bytes, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError, match=message) as caught:
        extract_bytes(EXTRACTOR, data, "Pipfile.lock")
    if line is not None:
        assert caught.value.line == line

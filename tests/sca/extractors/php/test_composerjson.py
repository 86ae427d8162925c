"""Composer ``composer.json`` as a manifest, hand-written after Composer's schema
documentation (Composer cannot be installed here)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.php.composerjson import ComposerJsonExtractor
from bastion.sca.extractors.php.composerlock import ComposerLockExtractor

TESTDATA = Path(__file__).parent / "testdata"
LOCK = ComposerLockExtractor()
MANIFEST = ComposerJsonExtractor()

# (name, version, direct, group, line, path, note)
Row = tuple[str, str | None, bool, str | None, int | None, tuple[str, ...], str | None]


def extract(
    extractor: ComposerLockExtractor | ComposerJsonExtractor,
    relative: str,
    data: bytes | None = None,
    root: Path = TESTDATA,
) -> list[Dependency]:
    def read(path: PurePosixPath) -> bytes | None:
        file = root / path
        return file.read_bytes() if file.is_file() else None

    content = (root / relative).read_bytes() if data is None else data
    deps = extractor.extract(ExtractInput(PurePosixPath(relative), content, read))
    for dep in deps:
        assert dep.ecosystem is Ecosystem.PACKAGIST
        assert (dep.source, dep.extractor) == (relative, extractor.name)
    return deps


def rows(deps: list[Dependency]) -> list[Row]:
    return [(d.name, d.version, d.direct, d.group, d.line, d.path, d.note) for d in deps]


GUZZLE = "guzzlehttp/guzzle"


def test_manifest() -> None:
    deps = extract(MANIFEST, "app/composer.json")
    assert rows(deps) == [
        (
            "acme/local-lib",
            None,
            True,
            None,
            19,
            ("acme/local-lib",),
            "declared constraint '*@dev', not resolved",
        ),
        (GUZZLE, None, True, None, 20, (GUZZLE,), "declared constraint '^7.8', not resolved"),
        (
            "monolog/monolog",
            None,
            True,
            None,
            21,
            ("monolog/monolog",),
            "declared constraint '^3.5', not resolved",
        ),
        (
            "acme/tools",
            None,
            True,
            "dev",
            24,
            ("acme/tools",),
            "declared constraint 'dev-main', not resolved",
        ),
        (
            "symfony/var-dumper",
            None,
            True,
            "dev",
            25,
            ("symfony/var-dumper",),
            "declared constraint '^6.4', not resolved",
        ),
    ]


def test_manifest_gives_way_to_the_lock() -> None:
    assert MANIFEST.superseded_by == frozenset({"composer.lock"})
    assert LOCK.superseded_by == frozenset()


def test_manifest_sections_in_any_order_and_empty() -> None:
    data = b'{\n"require-dev": {\n"a/dev": "1.0"\n},\n"require": {\n"a/main": "^2"\n}\n}'
    assert [(d.name, d.group, d.line) for d in extract(MANIFEST, "composer.json", data)] == [
        ("a/main", None, 6),
        ("a/dev", "dev", 3),
    ]
    assert extract(MANIFEST, "composer.json", b'{"require": [], "require-dev": {}}') == []
    assert extract(MANIFEST, "composer.json", b'{"name": "a/b"}') == []


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"{", "invalid JSON", 1),
        (b'"x"', "expected a JSON object at the top, got a string", 1),
        (b'{"require": ["a/b"]}', "'require' should be an object, got an array", None),
        (
            b'{"require": {\n"a/b": 1}}',
            "the constraint of 'a/b' in 'require' should be a string, got a number",
            2,
        ),
    ],
)
def test_manifest_broken(data: bytes, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(MANIFEST, "composer.json", data)
    assert caught.value.message.startswith(message)
    assert caught.value.line == line

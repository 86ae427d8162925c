"""Composer ``composer.lock``.

Composer (a PHP phar from getcomposer.org) cannot be installed here and Packagist is
unreachable, so the lock files are hand-written after Composer's schema documentation and
real lock files: ``app/`` as Composer 2 writes it (``plugin-api-version``, unescaped
slashes, a ``path`` repository, a branch checkout, ``provide``), ``composer1/`` as
Composer 1 wrote it (escaped slashes, ``"packages-dev": null``) without its manifest.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.php.composerjson import ComposerJsonExtractor
from bastion.sca.extractors.php.composerlock import ComposerLockExtractor
from tests.sca.extractors.nuget.test_packageslockjson import swap_values
from tests.sca.extractors.test_properties import SETTINGS

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
PSR7 = "guzzlehttp/psr7"

LOCK_EXPECTED: dict[str, list[Row]] = {
    "app/composer.lock": [
        (
            "acme/local-lib",
            "1.2.0",
            True,
            None,
            10,
            ("acme/local-lib",),
            "installed from a local path (../packages/local-lib)",
        ),
        (GUZZLE, "7.8.1", True, None, 27, (GUZZLE,), None),
        ("guzzlehttp/promises", "2.0.2", False, None, 71, (GUZZLE, "guzzlehttp/promises"), None),
        (PSR7, "2.6.2", False, None, 84, (GUZZLE, PSR7), None),
        ("monolog/monolog", "3.5.0", True, None, 104, ("monolog/monolog",), None),
        ("psr/http-client", "1.0.3", False, None, 121, (GUZZLE, "psr/http-client"), None),
        ("psr/http-factory", "1.0.2", False, None, 130, (GUZZLE, PSR7, "psr/http-factory"), None),
        ("psr/http-message", "2.0", False, None, 139, (GUZZLE, PSR7, "psr/http-message"), None),
        ("psr/log", "3.0.0", False, None, 147, ("acme/local-lib", "psr/log"), None),
        (
            "ralouphie/getallheaders",
            "3.0.3",
            False,
            None,
            155,
            (GUZZLE, PSR7, "ralouphie/getallheaders"),
            None,
        ),
        # The "v" stays: the version as Composer wrote it.
        (
            "symfony/deprecation-contracts",
            "v3.4.0",
            False,
            None,
            163,
            (GUZZLE, "symfony/deprecation-contracts"),
            None,
        ),
        (
            "acme/tools",
            None,
            True,
            "dev",
            173,
            ("acme/tools",),
            "development branch dev-main at commit 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
        ),
        (
            "symfony/polyfill-mbstring",
            "v1.28.0",
            False,
            "dev",
            187,
            ("symfony/var-dumper", "symfony/polyfill-mbstring"),
            None,
        ),
        ("symfony/var-dumper", "v6.4.2", True, "dev", 198, ("symfony/var-dumper",), None),
    ],
    # No composer.json: direct = what no other locked package requires. laravel/framework
    # replaces illuminate/support, which acme/legacy-helper requires.
    "composer1/composer.lock": [
        (
            "doctrine/inflector",
            "v1.1.0",
            False,
            None,
            10,
            ("acme/legacy-helper", "laravel/framework", "doctrine/inflector"),
            None,
        ),
        (
            "laravel/framework",
            "v5.2.45",
            False,
            None,
            18,
            ("acme/legacy-helper", "laravel/framework"),
            None,
        ),
        (
            "symfony/console",
            "v3.0.9",
            False,
            None,
            31,
            ("acme/legacy-helper", "laravel/framework", "symfony/console"),
            None,
        ),
        ("acme/legacy-helper", "1.0.0", True, None, 39, ("acme/legacy-helper",), None),
    ],
}


@pytest.mark.parametrize("fixture", sorted(LOCK_EXPECTED))
def test_lock(fixture: str) -> None:
    assert rows(extract(LOCK, fixture)) == LOCK_EXPECTED[fixture]


def test_lock_licenses() -> None:
    licenses = {d.name: d.license for d in extract(LOCK, "app/composer.lock")}
    assert licenses[GUZZLE] == "MIT"
    assert {name for name, license in licenses.items() if license} == {GUZZLE}


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        (["MIT"], "MIT"),
        # Composer's array means "any of these".
        (["LGPL-2.1-only", "GPL-3.0-or-later"], "LGPL-2.1-only OR GPL-3.0-or-later"),
        (["MIT", "MIT"], "MIT"),
        (["Apache-2.0 AND MIT", "BSD-3-Clause"], "(Apache-2.0 AND MIT) OR BSD-3-Clause"),
        ("proprietary", "proprietary"),  # composer.json's single-string form
        ([], None),
        ([1, None], None),
        ({"type": "MIT"}, None),
    ],
)
def test_lock_license_shapes(declared: object, expected: str | None) -> None:
    doc = {"packages": [{"name": "a/b", "version": "1.0.0", "license": declared}]}
    [dep] = extract(LOCK, "composer.lock", json.dumps(doc).encode())
    assert dep.license == expected


def test_lock_with_an_unreadable_manifest_falls_back(tmp_path: Path) -> None:
    (tmp_path / "composer.json").write_text("{not json")
    lock = (TESTDATA / "app" / "composer.lock").read_bytes()
    deps = extract(LOCK, "composer.lock", lock, root=tmp_path)
    assert {d.name for d in deps if d.direct} == {
        "acme/local-lib",
        GUZZLE,
        "monolog/monolog",
        "acme/tools",
    }


def test_lock_minified_and_empty() -> None:
    doc = json.loads((TESTDATA / "app" / "composer.lock").read_text())
    deps = extract(LOCK, "app/composer.lock", json.dumps(doc).encode())
    assert {d.line for d in deps} == {1}
    assert extract(LOCK, "composer.lock", b'{"packages": [], "packages-dev": []}') == []
    assert extract(LOCK, "composer.lock", b"{}") == []


def test_lock_unusual_versions() -> None:
    doc = {
        "packages": [
            {"name": "a/no-version"},
            {"name": "a/branch-alias", "version": "2.x-dev"},
            {"name": "a/local", "version": "dev-main", "source": {"type": "path", "url": ""}},
        ]
    }
    assert [
        (d.name, d.version, d.note)
        for d in extract(LOCK, "x/composer.lock", json.dumps(doc).encode())
    ] == [
        ("a/no-version", None, "no version in the lock file"),
        ("a/branch-alias", None, "development branch 2.x-dev"),
        (
            "a/local",
            None,
            "development branch dev-main; installed from a local path (unknown path)",
        ),
    ]


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b'{"packages": [', "invalid JSON: Expecting value", 1),
        (b"[]", "expected a JSON object at the top, got an array", 1),
        (b'{"packages": {}}', "'packages' should be an array, got an object", None),
        (b'{"packages-dev": [1]}', "an entry of 'packages-dev' should be an object", None),
        (b'{"packages": [{"version": "1"}]}', "an entry of 'packages' has no 'name'", None),
        (
            b'{"packages": [{"name": "a/b", "version": 1}]}',
            "'version' of 'a/b' should be a string, got a number",
            1,
        ),
        (b"\xff\xfe", "not UTF-8 text", None),
    ],
)
def test_lock_broken(data: bytes, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(LOCK, "composer.lock", data)
    assert caught.value.message.startswith(message)
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("path", "lock", "manifest"),
    [
        ("composer.lock", True, False),
        ("api/composer.json", False, True),
        ("Composer.lock", False, False),
        ("package.json", False, False),
    ],
)
def test_wants(path: str, lock: bool, manifest: bool) -> None:
    assert LOCK.wants(PurePosixPath(path)) is lock
    assert MANIFEST.wants(PurePosixPath(path)) is manifest


@pytest.mark.parametrize("fixture", sorted(LOCK_EXPECTED))
@SETTINGS
@given(choice=st.data())
def test_wrong_types_anywhere(fixture: str, choice: st.DataObject) -> None:
    """Swap any value of a valid lock file (and of its manifest) for any other JSON value:
    still dependencies or one ExtractionError."""
    lock = json.loads((TESTDATA / fixture).read_text())
    manifest_path = TESTDATA / "app" / "composer.json"
    manifest = json.loads(manifest_path.read_text())
    swap_values(choice.draw(st.sampled_from([lock, manifest])), choice)
    files = {
        "composer.lock": json.dumps(lock, indent=4).encode(),
        "composer.json": json.dumps(manifest).encode(),
    }
    try:
        deps = LOCK.extract(
            ExtractInput(
                PurePosixPath("composer.lock"),
                files["composer.lock"],
                lambda path: files.get(str(path)),
            )
        )
    except ExtractionError:
        return
    assert all(isinstance(dep, Dependency) and dep.name for dep in deps)


def test_very_long_chains_get_no_path_beyond_the_limit() -> None:
    count = 100
    doc = {
        "packages": [
            {"name": f"v/p{i}", "version": "1.0.0", "require": {f"v/p{i + 1}": "*"}}
            for i in range(count)
        ]
    }
    deps = extract(LOCK, "x/composer.lock", json.dumps(doc).encode())
    assert [len(d.path) for d in deps] == [*range(1, 65), *[0] * (count - 64)]

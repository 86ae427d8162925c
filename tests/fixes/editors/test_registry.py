"""Every manifest format has one editor, and findings' files lead to the right manifest."""

from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors.registry import ManifestFormat, editor_for, locate


def test_every_format_has_an_editor_named_after_it() -> None:
    names = [editor_for(f).name for f in ManifestFormat]
    assert names == [f.value for f in ManifestFormat]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("ecosystem", "source", "manifest_format", "manifest"),
    [
        (Ecosystem.NPM, "web/package-lock.json", ManifestFormat.PACKAGE_JSON, "web/package.json"),
        (Ecosystem.NPM, "yarn.lock", ManifestFormat.PACKAGE_JSON, "package.json"),
        (
            Ecosystem.PYPI,
            "requirements-dev.txt",
            ManifestFormat.REQUIREMENTS,
            "requirements-dev.txt",
        ),
        (Ecosystem.PYPI, "svc/uv.lock", ManifestFormat.PYPROJECT, "svc/pyproject.toml"),
        (Ecosystem.PYPI, "pyproject.toml", ManifestFormat.PYPROJECT, "pyproject.toml"),
        (Ecosystem.GO, "go.mod", ManifestFormat.GO_MOD, "go.mod"),
        (Ecosystem.CRATES_IO, "Cargo.lock", ManifestFormat.CARGO_TOML, "Cargo.toml"),
        (Ecosystem.PACKAGIST, "composer.lock", ManifestFormat.COMPOSER_JSON, "composer.json"),
    ],
)
def test_locate(
    ecosystem: Ecosystem, source: str, manifest_format: ManifestFormat, manifest: str
) -> None:
    found = locate(ecosystem, source)
    assert found is not None
    assert (found[0], str(found[1])) == (manifest_format, manifest)


@pytest.mark.parametrize(
    ("ecosystem", "source"),
    [
        (Ecosystem.MAVEN, "pom.xml"),
        (Ecosystem.RUBYGEMS, "Gemfile.lock"),
        (Ecosystem.PYPI, "Pipfile.lock"),
        (Ecosystem.NPM, "requirements.txt"),
    ],
)
def test_files_no_editor_handles(ecosystem: Ecosystem, source: str) -> None:
    assert locate(ecosystem, source) is None

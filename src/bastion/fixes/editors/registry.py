"""Every manifest editor, by format: the one place a new format is plugged in."""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePosixPath
from typing import assert_never

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors.base import ManifestEditor
from bastion.fixes.editors.cargotoml import CargoTomlEditor
from bastion.fixes.editors.composerjson import ComposerJsonEditor
from bastion.fixes.editors.gomod import GoModEditor
from bastion.fixes.editors.packagejson import PackageJsonEditor
from bastion.fixes.editors.pyproject import PyprojectEditor
from bastion.fixes.editors.requirements import RequirementsEditor


class ManifestFormat(StrEnum):
    PACKAGE_JSON = "npm/package.json"
    REQUIREMENTS = "pypi/requirements"
    PYPROJECT = "pypi/pyproject"
    GO_MOD = "go/go.mod"
    CARGO_TOML = "cargo/Cargo.toml"
    COMPOSER_JSON = "php/composer.json"


def editor_for(manifest_format: ManifestFormat) -> ManifestEditor:
    match manifest_format:
        case ManifestFormat.PACKAGE_JSON:
            return PackageJsonEditor()
        case ManifestFormat.REQUIREMENTS:
            return RequirementsEditor()
        case ManifestFormat.PYPROJECT:
            return PyprojectEditor()
        case ManifestFormat.GO_MOD:
            return GoModEditor()
        case ManifestFormat.CARGO_TOML:
            return CargoTomlEditor()
        case ManifestFormat.COMPOSER_JSON:
            return ComposerJsonEditor()
        case _:
            assert_never(manifest_format)


def locate(ecosystem: Ecosystem, source: str) -> tuple[ManifestFormat, PurePosixPath] | None:
    """The format and path of the manifest that declares what the scan found in
    ``source`` (repo-relative), or None when no editor handles it."""
    where = PurePosixPath(source)
    for manifest_format in ManifestFormat:
        editor = editor_for(manifest_format)
        if editor.ecosystem is not ecosystem:
            continue
        manifest = editor.manifest_for(where)
        if manifest is not None:
            return manifest_format, manifest
    return None

"""Every extractor, by name: the one place a new format is plugged in."""

from __future__ import annotations

from pathlib import PurePosixPath

from bastion.sca.extractors.base import Extractor
from bastion.sca.extractors.cargo.cargolock import CargoLockExtractor
from bastion.sca.extractors.cargo.cargotoml import CargoTomlExtractor
from bastion.sca.extractors.cocoapods.podfilelock import PodfileLockExtractor
from bastion.sca.extractors.dart.pubspeclock import PubspecLockExtractor
from bastion.sca.extractors.erlang.mixlock import MixLockExtractor
from bastion.sca.extractors.go.gomod import GoModExtractor
from bastion.sca.extractors.go.vendormodules import GoVendorModulesExtractor
from bastion.sca.extractors.maven.gradlelockfile import GradleLockfileExtractor
from bastion.sca.extractors.maven.pomxml import PomXmlExtractor
from bastion.sca.extractors.npm.bunlock import BunLockExtractor
from bastion.sca.extractors.npm.packagejson import PackageJsonExtractor
from bastion.sca.extractors.npm.packagelock import PackageLockExtractor
from bastion.sca.extractors.npm.pnpmlock import PnpmLockExtractor
from bastion.sca.extractors.npm.yarnlock import YarnLockExtractor
from bastion.sca.extractors.nuget.csproj import CsprojExtractor
from bastion.sca.extractors.nuget.packagesconfig import PackagesConfigExtractor
from bastion.sca.extractors.nuget.packageslockjson import PackagesLockJsonExtractor
from bastion.sca.extractors.php.composerjson import ComposerJsonExtractor
from bastion.sca.extractors.php.composerlock import ComposerLockExtractor
from bastion.sca.extractors.pypi.pdmlock import PdmLockExtractor
from bastion.sca.extractors.pypi.pipfilelock import PipfileLockExtractor
from bastion.sca.extractors.pypi.poetrylock import PoetryLockExtractor
from bastion.sca.extractors.pypi.pylock import PylockExtractor
from bastion.sca.extractors.pypi.pyproject import PyprojectExtractor
from bastion.sca.extractors.pypi.requirements import RequirementsExtractor
from bastion.sca.extractors.pypi.uvlock import UvLockExtractor
from bastion.sca.extractors.ruby.gemfilelock import GemfileLockExtractor
from bastion.sca.extractors.swift.packageresolved import PackageResolvedExtractor

# Extractors are stateless, so one instance each serves every file.
EXTRACTORS: dict[str, Extractor] = {
    extractor.name: extractor
    for extractor in (
        PackageLockExtractor(),
        YarnLockExtractor(),
        PnpmLockExtractor(),
        BunLockExtractor(),
        PackageJsonExtractor(),
        RequirementsExtractor(),
        PoetryLockExtractor(),
        PipfileLockExtractor(),
        UvLockExtractor(),
        PdmLockExtractor(),
        PylockExtractor(),
        PyprojectExtractor(),
        GoModExtractor(),
        CargoLockExtractor(),
        CargoTomlExtractor(),
        GoVendorModulesExtractor(),
        GemfileLockExtractor(),
        PubspecLockExtractor(),
        MixLockExtractor(),
        PodfileLockExtractor(),
        PackageResolvedExtractor(),
        PomXmlExtractor(),
        GradleLockfileExtractor(),
        PackagesLockJsonExtractor(),
        CsprojExtractor(),
        PackagesConfigExtractor(),
        ComposerLockExtractor(),
        ComposerJsonExtractor(),
    )
}


def extractor_for(path: PurePosixPath) -> Extractor | None:
    """The extractor that reads ``path`` (repo-relative), or None for other files."""
    for extractor in EXTRACTORS.values():
        if extractor.wants(path):
            return extractor
    return None

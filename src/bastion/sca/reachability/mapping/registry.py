"""Every ecosystem's import mapping: the one place a new one is plugged in."""

from __future__ import annotations

from typing import assert_never

from bastion.ecosystems import Ecosystem
from bastion.sca.reachability.mapping.base import ImportMapping
from bastion.sca.reachability.mapping.cocoapods import CocoaPodsMapping
from bastion.sca.reachability.mapping.crates import CratesMapping
from bastion.sca.reachability.mapping.go import GoMapping
from bastion.sca.reachability.mapping.maven import MavenMapping
from bastion.sca.reachability.mapping.npm import NpmMapping
from bastion.sca.reachability.mapping.nuget import NuGetMapping
from bastion.sca.reachability.mapping.packagist import PackagistMapping
from bastion.sca.reachability.mapping.pypi import PyPIMapping
from bastion.sca.reachability.mapping.rubygems import RubyGemsMapping


def new_mapping(ecosystem: Ecosystem) -> ImportMapping | None:
    """A fresh mapping (they learn per scan), or None where import analysis has no rules:
    Swift packages are imported by product names only their manifests know, Dart and
    Elixir have no reader yet, and OS packages are not imported by code at all."""
    match ecosystem:
        case Ecosystem.NPM:
            return NpmMapping()
        case Ecosystem.PYPI:
            return PyPIMapping()
        case Ecosystem.GO:
            return GoMapping()
        case Ecosystem.CRATES_IO:
            return CratesMapping()
        case Ecosystem.RUBYGEMS:
            return RubyGemsMapping()
        case Ecosystem.MAVEN:
            return MavenMapping()
        case Ecosystem.NUGET:
            return NuGetMapping()
        case Ecosystem.PACKAGIST:
            return PackagistMapping()
        case Ecosystem.COCOAPODS:
            return CocoaPodsMapping()
        case (
            Ecosystem.SWIFTURL | Ecosystem.PUB | Ecosystem.HEX | Ecosystem.DEBIAN | Ecosystem.ALPINE
        ):
            return None
        case _:
            assert_never(ecosystem)


def all_mappings() -> list[ImportMapping]:
    return [m for m in (new_mapping(e) for e in Ecosystem) if m is not None]

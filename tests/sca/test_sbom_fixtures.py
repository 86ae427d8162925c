"""`bastion sbom` of every extractor fixture: valid CycloneDX 1.6, one component per
dependency, each with a purl of the right type for its ecosystem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from bastion.ecosystems import Ecosystem
from bastion.purl import purl_for
from bastion.reports.cyclonedx import render_sbom
from bastion.sca.walker import collect

EXTRACTOR_TESTS = Path(__file__).parent / "extractors"
PURL_TYPES = {
    Ecosystem.NPM: "npm",
    Ecosystem.PYPI: "pypi",
    Ecosystem.GO: "golang",
    Ecosystem.CRATES_IO: "cargo",
    Ecosystem.RUBYGEMS: "gem",
    Ecosystem.MAVEN: "maven",
    Ecosystem.NUGET: "nuget",
    Ecosystem.PACKAGIST: "composer",
    Ecosystem.COCOAPODS: "cocoapods",
    Ecosystem.PUB: "pub",
    Ecosystem.HEX: "hex",
    Ecosystem.SWIFTURL: "swift",
}
FIXTURE_DIRS = sorted(p for p in EXTRACTOR_TESTS.glob("*/testdata") if p.is_dir())
VALIDATOR = JsonStrictValidator(SchemaVersion.V1_6)
# Fixtures stored under scenario names rather than the name the tool writes.
RENAMED = {"cocoapods": "Podfile.lock", "dart": "pubspec.lock"}


def _fixture_tree(testdata: Path, tmp_path: Path) -> Path:
    canonical = RENAMED.get(testdata.parent.name)
    if canonical is None:
        return testdata
    for index, lock in enumerate(sorted(testdata.glob("*.lock"))):
        (tmp_path / str(index)).mkdir()
        (tmp_path / str(index) / canonical).write_bytes(lock.read_bytes())
    return tmp_path


@pytest.mark.parametrize("testdata", FIXTURE_DIRS, ids=lambda p: p.parent.name)
def test_sbom_of_every_fixture_is_valid_with_one_purl_per_dependency(
    testdata: Path, tmp_path: Path
) -> None:
    # Broken-input fixtures sit beside the good ones: their errors are expected here.
    dependencies, _errors = collect(_fixture_tree(testdata, tmp_path))
    assert dependencies, f"no dependencies found under {testdata}"
    text = render_sbom(dependencies, target=testdata.parent.name)
    assert VALIDATOR.validate_str(text) is None

    bom = json.loads(text)
    components = bom["components"]
    assert len(components) == len(dependencies)
    for dep in dependencies:
        purl = purl_for(dep)
        assert purl is not None, dep
        parsed = PackageURL.from_string(purl)
        assert parsed.type == PURL_TYPES[dep.ecosystem], (dep, purl)
        if dep.version:
            assert parsed.version == dep.version.strip(), (dep, purl)
        else:
            assert parsed.version is None
    assert {c["purl"] for c in components} == {purl_for(d) for d in dependencies}

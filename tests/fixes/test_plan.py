"""From findings to per-manifest bumps."""

from __future__ import annotations

from pathlib import PurePosixPath

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors.base import Occurrence
from bastion.fixes.editors.registry import ManifestFormat
from bastion.fixes.plan import plan_fixes
from tests.fixes.support import LOCK, maven_result, npm_findings
from tests.reports import factories


def test_the_npm_findings_become_one_package_json_plan() -> None:
    plan = plan_fixes(npm_findings())
    [manifest] = plan.manifests
    assert (manifest.path, manifest.format) == (
        PurePosixPath("package.json"),
        ManifestFormat.PACKAGE_JSON,
    )
    bumps = {b.package: b for b in manifest.bumps}
    assert set(bumps) == {"lodash", "cookie", "send"}  # ms has no fixed release
    assert bumps["lodash"].target == "4.17.21"
    assert bumps["lodash"].advisories == ("GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw")
    assert bumps["cookie"].occurrences == (
        Occurrence("0.4.0", "0.7.0", True, LOCK),
        Occurrence("0.3.1", "0.7.0", False, LOCK),
    )
    assert plan.unplaced == ()


def test_each_installed_version_keeps_its_own_lowest_fix() -> None:
    old = factories.dependency("qs", "6.2.0", source=LOCK, direct=False, path=("a", "qs"))
    new = factories.dependency("qs", "6.5.1", source=LOCK, direct=True, path=("qs",))
    findings = [
        factories.finding(old, factories.vulnerability("GHSA-1", fixed_version="6.2.4")),
        factories.finding(new, factories.vulnerability("GHSA-1", fixed_version="6.5.3")),
        factories.finding(new, factories.vulnerability("GHSA-2", fixed_version="6.5.2")),
    ]
    [bump] = plan_fixes(findings).manifests[0].bumps
    assert bump.target == "6.5.3"
    assert [(o.installed, o.fixed) for o in bump.occurrences] == [
        ("6.2.0", "6.2.4"),
        ("6.5.1", "6.5.3"),
    ]
    assert bump.direct_target() == "6.5.3"
    assert bump.fixed_for("6.2.0") == "6.2.4"


def test_manifests_per_directory_and_files_no_editor_reaches() -> None:
    django = factories.dependency("Django", "3.2.0", Ecosystem.PYPI, source="requirements.txt")
    lodash = factories.dependency("lodash", "4.17.15", source="web/package-lock.json")
    findings = [
        factories.finding(django, factories.vulnerability("PYSEC-1", fixed_version="3.2.25")),
        factories.finding(lodash),
        *maven_result().findings,
    ]
    plan = plan_fixes(findings)
    assert [str(m.path) for m in plan.manifests] == ["requirements.txt", "web/package.json"]
    [(action, dependency)] = plan.unplaced
    assert (action.package, dependency.source) == ("org.apache.logging.log4j:log4j-core", "pom.xml")
    assert plan.action_for(Ecosystem.PYPI, "django") is not None  # names are normalised

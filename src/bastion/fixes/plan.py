"""Which manifest gets which bump, from a scan's findings.

The packages and their targets come from :func:`bastion.reports.remediation.plan`, the
same plan the Markdown report (and so the pull-request check) shows: one action per
package and tool, its target the release that clears all its fixable advisories.

Each occurrence of a package (one installed version in one file) is traced to the
manifest that declares it (the ``package.json`` beside a ``package-lock.json``, the
requirements file itself, ...) and keeps its own fix: the lowest release that fixes
every advisory on that installed version, so a pin on an old major line is not moved to
another major just because a newer copy elsewhere needs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.fixes.editors.base import Bump, Occurrence, highest
from bastion.fixes.editors.registry import ManifestFormat, locate
from bastion.models import Dependency, Finding
from bastion.reports import remediation
from bastion.reports.remediation import Action


@dataclass(frozen=True, slots=True)
class ManifestPlan:
    path: PurePosixPath
    format: ManifestFormat
    bumps: tuple[Bump, ...]


@dataclass(frozen=True, slots=True)
class FixPlan:
    manifests: tuple[ManifestPlan, ...]
    # Every action with a fixed release, most urgent first.
    actions: tuple[Action, ...]
    # Occurrences no editor can reach (Maven, NuGet, Gemfile.lock...): for the PR body.
    unplaced: tuple[tuple[Action, Dependency], ...]

    def action_for(self, ecosystem: Ecosystem, package: str) -> Action | None:
        key = normalize_package_name(ecosystem, package)
        for action in self.actions:
            if (
                action.ecosystem is ecosystem
                and normalize_package_name(ecosystem, action.package) == key
            ):
                return action
        return None


def plan_fixes(findings: Iterable[Finding]) -> FixPlan:
    findings = list(findings)
    fixes = _fix_per_dependency(findings)
    actions = [a for a in remediation.plan(findings) if a.fixed_version is not None]
    by_manifest: dict[PurePosixPath, tuple[ManifestFormat, dict[str, Bump]]] = {}
    unplaced: list[tuple[Action, Dependency]] = []
    for action in actions:
        assert action.fixed_version is not None
        for dependency in action.dependencies:
            fixed = fixes.get(dependency)
            if dependency.version is None or fixed is None:
                continue
            located = locate(dependency.ecosystem, dependency.source)
            if located is None:
                unplaced.append((action, dependency))
                continue
            manifest_format, path = located
            bumps = by_manifest.setdefault(path, (manifest_format, {}))[1]
            key = normalize_package_name(action.ecosystem, action.package)
            occurrence = Occurrence(dependency.version, fixed, dependency.direct, dependency.source)
            bumps[key] = _with(bumps.get(key), action, occurrence)
    manifests = tuple(
        ManifestPlan(path, manifest_format, tuple(bumps.values()))
        for path, (manifest_format, bumps) in sorted(by_manifest.items())
    )
    return FixPlan(manifests, tuple(actions), tuple(unplaced))


def _fix_per_dependency(findings: Sequence[Finding]) -> dict[Dependency, str]:
    """The lowest release fixing every fixable advisory on each dependency."""
    fixes: dict[Dependency, list[str]] = {}
    for finding in findings:
        fixed = finding.vulnerability.fixed_version
        if fixed:
            fixes.setdefault(finding.dependency, []).append(fixed)
    return {dep: highest(dep.ecosystem, versions) for dep, versions in fixes.items()}


def _with(bump: Bump | None, action: Action, occurrence: Occurrence) -> Bump:
    assert action.fixed_version is not None
    if bump is None:
        return Bump(
            action.ecosystem, action.package, action.fixed_version, action.advisories, (occurrence,)
        )
    if occurrence in bump.occurrences:
        return bump
    # The same package from a second lockfile tool in one directory: one bump, all ids.
    advisories = tuple(sorted({*bump.advisories, *action.advisories}))
    target = highest(action.ecosystem, [bump.target, action.fixed_version])
    return Bump(bump.ecosystem, bump.package, target, advisories, (*bump.occurrences, occurrence))

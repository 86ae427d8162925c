"""What to do about a scan's findings: one action per package and target release.

The Markdown report (what a pull-request check shows) and the fix-PR feature both use
:func:`plan`, so the release a check recommends is the release a fix PR installs.

Rules:

* Findings are grouped by package (ecosystem, normalised name) and by the tool that
  manages the file they came from, since ``yarn add`` cannot fix a ``package-lock.json``.
  The same package in two lockfiles of one tool is one action listing both files.
* The target is the highest ``fixed_version`` among the group's advisories, compared
  with :func:`bastion.compare_versions`: the one release that clears them all.
* Advisories no release fixes yet get an action of their own, without a version, rather
  than being folded into an upgrade that may not help them.
* Commands use the ecosystem's own tool, chosen by the file name of the source (npm,
  yarn, pnpm, bun; pip, poetry, uv, pipenv, pdm). Arguments are shell-quoted, because
  package names come from the scanned repository. Ecosystems without an upgrade command
  (Maven, Gradle, SwiftPM) get the edit in words.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cmp_to_key, partial
from pathlib import PurePosixPath
from typing import assert_never

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.models import Dependency, Finding, Severity
from bastion.versions import compare_versions

NO_FIX = "no fixed release yet: consider replacing or mitigating"


@dataclass(frozen=True, slots=True)
class Action:
    ecosystem: Ecosystem
    package: str
    # Versions found in the scanned files, oldest first.
    installed: tuple[str, ...]
    # The release to move to; None when no release fixes these advisories yet.
    fixed_version: str | None
    advisories: tuple[str, ...]
    severity: Severity  # the worst among the advisories
    informational: bool  # only advisories such as "unmaintained"
    # Every occurrence (file, line, path), for tools that edit the files themselves.
    dependencies: tuple[Dependency, ...]
    # A shell command to run beside the source file, when the ecosystem has one.
    command: str | None
    # The step in words: the command itself, an edit to the source file, or NO_FIX.
    step: str

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(dep.source for dep in self.dependencies))

    @property
    def direct(self) -> bool:
        return any(dep.direct for dep in self.dependencies)

    @property
    def via(self) -> tuple[str, ...]:
        """For a package only pulled in by others: the chain from a direct dependency."""
        if self.direct:
            return ()
        return next((dep.path[:-1] for dep in self.dependencies if len(dep.path) > 1), ())


def plan(findings: Iterable[Finding]) -> list[Action]:
    """The actions for ``findings``, the most urgent first."""
    groups: dict[tuple[Ecosystem, str, str], list[Finding]] = {}
    for finding in findings:
        dep = finding.dependency
        key = (dep.ecosystem, normalize_package_name(dep.ecosystem, dep.name), _tool(dep))
        groups.setdefault(key, []).append(finding)

    actions: list[Action] = []
    for group in groups.values():
        fixable = [f for f in group if f.vulnerability.fixed_version]
        unfixed = [f for f in group if not f.vulnerability.fixed_version]
        if fixable:
            ecosystem = fixable[0].dependency.ecosystem
            fixes = (f.vulnerability.fixed_version or "" for f in fixable)
            target = _by_version(ecosystem, fixes)[-1]
            actions.append(_action(fixable, target))
        if unfixed:
            actions.append(_action(unfixed, None))
    actions.sort(
        key=lambda a: (
            a.informational,
            -a.severity.rank,
            a.package.lower(),
            a.fixed_version is None,
            a.sources,
        )
    )
    return actions


def upgrade_step(dep: Dependency, version: str) -> tuple[str | None, str]:
    """(shell command or None, the step in words) to move ``dep`` to ``version``."""
    name, tool = dep.name, _tool(dep)
    q = shlex.quote
    command: str | None = None
    match dep.ecosystem:
        case Ecosystem.NPM:
            verb = "install" if tool == "npm" else "add"
            command = f"{tool} {verb} {q(f'{name}@{version}')}"
        case Ecosystem.PYPI:
            match tool:
                case "poetry":
                    command = f"poetry add {q(f'{name}@>={version}')}"
                case "uv":
                    command = f"uv lock --upgrade-package {q(f'{name}=={version}')}"
                case "pipenv":
                    command = f"pipenv install {q(f'{name}>={version}')}"
                case "pdm":
                    command = f"pdm add {q(f'{name}>={version}')}"
                case _:
                    command = f"pip install {q(f'{name}>={version}')}"
        case Ecosystem.GO:
            # OSV writes Go versions without the "v" that module tags carry.
            tag = version if version.startswith("v") else f"v{version}"
            if name in ("stdlib", "toolchain"):
                # Standard-library fixes ship with the toolchain that builds the program.
                command = f"go get {q(f'toolchain@go{tag[1:]}')}"
            else:
                command = f"go get {q(f'{name}@{tag}')}"
        case Ecosystem.CRATES_IO:
            command = f"cargo update -p {q(name)} --precise {q(version)}"
        case Ecosystem.RUBYGEMS:
            command = f"bundle update {q(name)}"
        case Ecosystem.MAVEN:
            coordinates = ":".join(name.split(":")[:2])
            if tool == "gradle":
                return None, (
                    f"set version {version} for {coordinates} in the Gradle build, then "
                    "refresh the lockfile with ./gradlew dependencies --write-locks"
                )
            step = f"set <version>{version}</version> for {coordinates}"
            # A transitive artifact has no <dependency> of its own to edit.
            return None, step if dep.direct else f"{step} in <dependencyManagement>"
        case Ecosystem.NUGET:
            command = f"dotnet add package {q(name)} --version {q(version)}"
        case Ecosystem.PACKAGIST:
            # Without --dev Composer moves a require-dev package into require.
            dev = " --dev" if dep.group == "dev" else ""
            command = f"composer require{dev} {q(f'{name}:^{version}')}"
        case Ecosystem.PUB:
            command = f"dart pub upgrade {q(name)}"
        case Ecosystem.HEX:
            command = f"mix deps.update {q(name)}"
        case Ecosystem.COCOAPODS:
            # A subspec ("Firebase/Core") is updated through its pod.
            command = f"pod update {q(name.split('/', 1)[0])}"
        case Ecosystem.SWIFTURL:
            return None, f'update the requirement on {name} to from: "{version}" in Package.swift'
        case Ecosystem.DEBIAN:
            command = f"apt-get install --only-upgrade {q(name)}"
        case Ecosystem.ALPINE:
            command = f"apk upgrade {q(name)}"
        case _:
            assert_never(dep.ecosystem)
    return command, command


def _by_version(ecosystem: Ecosystem, versions: Iterable[str]) -> list[str]:
    """Distinct versions, oldest first, by the ecosystem's own ordering."""
    return sorted(set(versions), key=cmp_to_key(partial(compare_versions, ecosystem)))


def _action(findings: list[Finding], target: str | None) -> Action:
    deps = tuple(dict.fromkeys(f.dependency for f in findings))
    # The command is written for a direct occurrence when there is one: that is the
    # declaration the user edits.
    representative = next((dep for dep in deps if dep.direct), deps[0])
    ecosystem = representative.ecosystem
    if target is None:
        command, step = None, NO_FIX
    else:
        command, step = upgrade_step(representative, target)
    installed = _by_version(ecosystem, (dep.version for dep in deps if dep.version))
    return Action(
        ecosystem=ecosystem,
        package=representative.name,
        installed=tuple(installed),
        fixed_version=target,
        advisories=tuple(sorted({f.vulnerability.id for f in findings})),
        severity=max((f.vulnerability.severity for f in findings), key=lambda s: s.rank),
        informational=all(f.vulnerability.informational for f in findings),
        dependencies=deps,
        command=command,
        step=step,
    )


# The tool that manages a file, by its name; anything else gets the ecosystem's default.
_TOOLS: dict[Ecosystem, dict[str, str]] = {
    Ecosystem.NPM: {
        "yarn.lock": "yarn",
        "pnpm-lock.yaml": "pnpm",
        "bun.lock": "bun",
        "bun.lockb": "bun",
    },
    Ecosystem.PYPI: {
        "poetry.lock": "poetry",
        "uv.lock": "uv",
        "Pipfile.lock": "pipenv",
        "pdm.lock": "pdm",
    },
}
_DEFAULT_TOOL = {Ecosystem.NPM: "npm", Ecosystem.PYPI: "pip", Ecosystem.MAVEN: "maven"}


def _tool(dep: Dependency) -> str:
    file = PurePosixPath(dep.source).name
    if dep.ecosystem is Ecosystem.MAVEN and file.endswith(".lockfile"):
        return "gradle"
    return _TOOLS.get(dep.ecosystem, {}).get(file, _DEFAULT_TOOL.get(dep.ecosystem, ""))

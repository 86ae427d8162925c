from __future__ import annotations

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency, Severity
from bastion.reports.remediation import NO_FIX, plan, upgrade_step
from tests.reports.factories import dependency, finding, pr_check_result, vulnerability


@pytest.mark.parametrize(
    ("dep", "version", "command"),
    [
        (
            dependency("lodash", "0.1", Ecosystem.NPM, source="package-lock.json"),
            "4.17.21",
            "npm install lodash@4.17.21",
        ),
        (
            dependency("@angular/core", "0.1", Ecosystem.NPM, source="web/yarn.lock"),
            "11.0.5",
            "yarn add @angular/core@11.0.5",
        ),
        (
            dependency("axios", "0.1", Ecosystem.NPM, source="pnpm-lock.yaml"),
            "0.21.2",
            "pnpm add axios@0.21.2",
        ),
        (
            dependency("axios", "0.1", Ecosystem.NPM, source="bun.lock"),
            "0.21.2",
            "bun add axios@0.21.2",
        ),
        (
            dependency("Django", "0.1", Ecosystem.PYPI, source="requirements.txt"),
            "3.2.4",
            "pip install 'Django>=3.2.4'",
        ),
        (
            dependency("Django", "0.1", Ecosystem.PYPI, source="poetry.lock"),
            "3.2.4",
            "poetry add 'Django@>=3.2.4'",
        ),
        (
            dependency("Django", "0.1", Ecosystem.PYPI, source="uv.lock"),
            "3.2.4",
            "uv lock --upgrade-package Django==3.2.4",
        ),
        (
            dependency("Django", "0.1", Ecosystem.PYPI, source="Pipfile.lock"),
            "3.2.4",
            "pipenv install 'Django>=3.2.4'",
        ),
        (
            dependency("Django", "0.1", Ecosystem.PYPI, source="pdm.lock"),
            "3.2.4",
            "pdm add 'Django>=3.2.4'",
        ),
        # OSV writes Go versions without the "v" of module tags.
        (
            dependency("golang.org/x/net", "0.1", Ecosystem.GO, source="go.mod"),
            "0.17.0",
            "go get golang.org/x/net@v0.17.0",
        ),
        (
            dependency("golang.org/x/net", "0.1", Ecosystem.GO, source="go.mod"),
            "v0.17.0",
            "go get golang.org/x/net@v0.17.0",
        ),
        (
            dependency("stdlib", "0.1", Ecosystem.GO, source="go.mod"),
            "1.21.5",
            "go get toolchain@go1.21.5",
        ),
        (
            dependency("smallvec", "0.1", Ecosystem.CRATES_IO, source="Cargo.lock"),
            "1.6.1",
            "cargo update -p smallvec --precise 1.6.1",
        ),
        (
            dependency("rack", "0.1", Ecosystem.RUBYGEMS, source="Gemfile.lock"),
            "2.2.6",
            "bundle update rack",
        ),
        (
            dependency("Newtonsoft.Json", "0.1", Ecosystem.NUGET, source="packages.lock.json"),
            "13.0.1",
            "dotnet add package Newtonsoft.Json --version 13.0.1",
        ),
        (
            dependency("laravel/framework", "0.1", Ecosystem.PACKAGIST, source="composer.lock"),
            "8.0.1",
            "composer require 'laravel/framework:^8.0.1'",
        ),
        # Without --dev Composer would move a require-dev package into require.
        (
            dependency(
                "phpunit/phpunit", "0.1", Ecosystem.PACKAGIST, source="composer.lock", group="dev"
            ),
            "9.6.0",
            "composer require --dev 'phpunit/phpunit:^9.6.0'",
        ),
        (
            dependency("http", "0.1", Ecosystem.PUB, source="pubspec.lock"),
            "0.13.3",
            "dart pub upgrade http",
        ),
        (
            dependency("plug", "0.1", Ecosystem.HEX, source="mix.lock"),
            "1.14.0",
            "mix deps.update plug",
        ),
        (
            dependency("Firebase/Core", "0.1", Ecosystem.COCOAPODS, source="Podfile.lock"),
            "10.0.0",
            "pod update Firebase",
        ),
        (
            dependency("openssl", "0.1", Ecosystem.DEBIAN, source="status"),
            "3.0.11",
            "apt-get install --only-upgrade openssl",
        ),
        (
            dependency("musl", "0.1", Ecosystem.ALPINE, source="installed"),
            "1.2.4",
            "apk upgrade musl",
        ),
        # Names come from the scanned repository: never a shell injection.
        (
            dependency("x; rm -rf ~", "0.1", Ecosystem.NPM, source="package-lock.json"),
            "1.0.0",
            "npm install 'x; rm -rf ~@1.0.0'",
        ),
    ],
)
def test_commands(dep: Dependency, version: str, command: str) -> None:
    assert upgrade_step(dep, version) == (command, command)


@pytest.mark.parametrize(
    ("name", "ecosystem", "source", "direct", "step"),
    [
        (
            "org.apache.logging.log4j:log4j-core",
            Ecosystem.MAVEN,
            "pom.xml",
            True,
            "set <version>2.15.0</version> for org.apache.logging.log4j:log4j-core",
        ),
        (
            "org.apache.logging.log4j:log4j-core",
            Ecosystem.MAVEN,
            "pom.xml",
            False,
            "set <version>2.15.0</version> for org.apache.logging.log4j:log4j-core "
            "in <dependencyManagement>",
        ),
        (
            "com.google.guava:guava",
            Ecosystem.MAVEN,
            "app/gradle.lockfile",
            True,
            "set version 2.15.0 for com.google.guava:guava in the Gradle build, then refresh "
            "the lockfile with ./gradlew dependencies --write-locks",
        ),
        (
            "https://github.com/apple/swift-nio.git",
            Ecosystem.SWIFTURL,
            "Package.resolved",
            True,
            'update the requirement on https://github.com/apple/swift-nio.git to from: "2.15.0" '
            "in Package.swift",
        ),
    ],
)
def test_edits_in_words(
    name: str, ecosystem: Ecosystem, source: str, direct: bool, step: str
) -> None:
    dep = dependency(name, "1.0", ecosystem, source=source, direct=direct)
    assert upgrade_step(dep, "2.15.0") == (None, step)


def test_one_action_per_package_with_the_highest_fix() -> None:
    dep = dependency("lodash", "4.17.4")
    # By npm's ordering 4.17.21 is above 4.17.5, though not as text.
    fixes = {"GHSA-a": "4.17.5", "GHSA-b": "4.17.21", "GHSA-c": "4.17.11"}
    (action,) = plan(
        finding(dep, vulnerability(id, fixed_version=fixed)) for id, fixed in fixes.items()
    )
    assert action.fixed_version == "4.17.21"
    assert action.command == "npm install lodash@4.17.21"
    assert action.advisories == ("GHSA-a", "GHSA-b", "GHSA-c")
    assert action.installed == ("4.17.4",)


def test_pre_releases_sort_before_their_release() -> None:
    dep = dependency("Django", "3.0", Ecosystem.PYPI, source="requirements.txt")
    fixes = ("3.1rc1", "3.1", "3.1b1")
    (action,) = plan(finding(dep, vulnerability(f"PYSEC-{f}", fixed_version=f)) for f in fixes)
    assert action.fixed_version == "3.1"


def test_advisories_without_a_fix_get_their_own_action() -> None:
    dep = dependency("rack", "2.2.3", Ecosystem.RUBYGEMS, source="Gemfile.lock")
    upgrade, unfixed = plan(
        [
            finding(dep, vulnerability("GHSA-fixed", Severity.LOW, fixed_version="2.2.6")),
            finding(dep, vulnerability("GHSA-open", Severity.LOW, fixed_version=None)),
        ]
    )
    assert (upgrade.fixed_version, upgrade.command, upgrade.advisories) == (
        "2.2.6",
        "bundle update rack",
        ("GHSA-fixed",),
    )
    assert (unfixed.fixed_version, unfixed.command, unfixed.step) == (None, None, NO_FIX)
    assert unfixed.advisories == ("GHSA-open",)


def test_grouped_by_tool_and_merged_across_lockfiles() -> None:
    vuln = vulnerability()
    actions = plan(
        finding(dependency("lodash", source=source), vuln)
        for source in ("web/package-lock.json", "admin/package-lock.json", "docs/yarn.lock")
    )
    assert {(a.command, a.sources) for a in actions} == {
        ("npm install lodash@4.17.21", ("web/package-lock.json", "admin/package-lock.json")),
        ("yarn add lodash@4.17.21", ("docs/yarn.lock",)),
    }


def test_names_are_grouped_the_way_the_registry_does() -> None:
    vuln = vulnerability(fixed_version="2.0")
    spellings = ("Flask_Login", "flask-login")
    actions = plan(
        finding(dependency(name, "1.0", Ecosystem.PYPI, source="requirements.txt"), vuln)
        for name in spellings
    )
    assert len(actions) == 1


def test_transitive_packages_say_what_pulls_them_in() -> None:
    dep = dependency("minimist", "0.0.10", direct=False, path=("mkdirp", "minimist"))
    (action,) = plan([finding(dep)])
    assert not action.direct
    assert action.via == ("mkdirp",)
    direct = dependency("minimist", "0.0.10", path=("minimist",))
    assert plan([finding(direct)])[0].via == ()


def test_order_is_most_urgent_first() -> None:
    actions = plan(pr_check_result().findings)
    assert [a.package for a in actions] == [
        "minimist",
        "org.apache.logging.log4j:log4j-core",
        "axios",
        "Django",
        "guzzlehttp/guzzle",
        "lodash",
        "smallvec",
        "rack",
        "github.com/gin-gonic/gin",
        # Informational advisories describe nothing to patch: last.
        "request",
    ]
    assert actions[-1].informational
    assert actions[-1].step == NO_FIX

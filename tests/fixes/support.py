"""Scan results for fix tests, shaped like scans of the shared npm-app fixture."""

from __future__ import annotations

from bastion.ecosystems import Ecosystem
from bastion.jobs.base import JobContext
from bastion.models import Finding, ScanResult, Severity
from bastion.scans.schemas import ScanTarget
from tests.reports import factories

LOCK = "package-lock.json"


def npm_findings() -> tuple[Finding, ...]:
    """lodash (direct, two advisories), cookie (direct 0.4.0 and a nested 0.3.1), send
    (only nested) and an advisory nobody has fixed yet (ms)."""
    lodash = factories.dependency("lodash", "4.17.15", source=LOCK, direct=True, path=("lodash",))
    cookie = factories.dependency("cookie", "0.4.0", source=LOCK, direct=True, path=("cookie",))
    nested_cookie = factories.dependency(
        "cookie", "0.3.1", source=LOCK, direct=False, path=("express", "cookie")
    )
    send = factories.dependency(
        "send", "0.16.0", source=LOCK, direct=False, path=("express", "send")
    )
    ms = factories.dependency("ms", "2.0.0", source=LOCK, direct=True, path=("ms",))
    return (
        factories.finding(
            lodash, factories.vulnerability("GHSA-p6mc-m468-83gw", fixed_version="4.17.19")
        ),
        factories.finding(
            lodash, factories.vulnerability("GHSA-35jh-r3h4-6jhm", fixed_version="4.17.21")
        ),
        factories.finding(
            cookie, factories.vulnerability("GHSA-pxg6-pf52-xh8x", fixed_version="0.7.0")
        ),
        factories.finding(
            nested_cookie, factories.vulnerability("GHSA-pxg6-pf52-xh8x", fixed_version="0.7.0")
        ),
        factories.finding(
            send, factories.vulnerability("GHSA-m6fv-jmcg-4jfg", fixed_version="0.19.0")
        ),
        factories.finding(
            ms, factories.vulnerability("GHSA-0000-0000-0000", Severity.LOW, fixed_version=None)
        ),
    )


def npm_result() -> ScanResult:
    return factories.result(npm_findings())


def unfixable_result() -> ScanResult:
    ms = factories.dependency("ms", "2.0.0", source=LOCK)
    return factories.result(
        (factories.finding(ms, factories.vulnerability("GHSA-0000-0000-0000", fixed_version=None)),)
    )


def maven_result() -> ScanResult:
    log4j = factories.dependency(
        "org.apache.logging.log4j:log4j-core", "2.14.1", Ecosystem.MAVEN, source="pom.xml"
    )
    return factories.result(
        (
            factories.finding(
                log4j, factories.vulnerability("GHSA-jfh8-c2jp-5v3q", fixed_version="2.15.0")
            ),
        )
    )


class Returning:
    """A scan executor that answers ``result`` for any commit."""

    def __init__(self, result: ScanResult) -> None:
        self.result = result

    def __call__(self, _target: ScanTarget, _ctx: JobContext) -> ScanResult:
        return self.result

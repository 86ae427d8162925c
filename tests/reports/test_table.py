from __future__ import annotations

import re

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import ScanIssue, ScanResult, Severity
from bastion.reports.table import render
from bastion.sca.scanner import NO_ADVISORIES_NOTE
from tests.reports.factories import (
    dependency,
    finding,
    mixed_result,
    pr_check_result,
    result,
    vulnerability,
)

ANSI = re.compile(r"\x1b\[")


def crowded_result() -> ScanResult:
    """Long names of every shape and many findings: the worst case for 80 columns."""
    names = [
        ("github.com/aws/aws-sdk-go-v2/service/internal/presigned-url", Ecosystem.GO),
        ("org.springframework.boot:spring-boot-starter-webflux-reactive", Ecosystem.MAVEN),
        ("@typescript-eslint/eslint-plugin-with-a-very-long-name", Ecosystem.NPM),
        ("https://github.com/apple/swift-nio-transport-services.git", Ecosystem.SWIFTURL),
        ("x" * 120, Ecosystem.PYPI),
    ]
    findings = []
    for i in range(30):
        name, eco = names[i % len(names)]
        vuln = vulnerability(
            f"GHSA-{i:04d}-abcd-efgh",
            list(Severity)[i % len(Severity)],
            fixed_version="1.2.3-beta.4+build.567890" if i % 2 else None,
            informational="unmaintained" if i % 7 == 0 else None,
        )
        dep = dependency(name, f"{i}.0.0-rc.{i}+meta.{'y' * 30}", eco, line=i)
        findings.append(finding(dep, vuln, is_imported=i % 3 == 0, approximate=i % 5 == 0))
    return result(
        tuple(findings),
        errors=(ScanIssue("services/" + "deep/" * 20 + "package-lock.json", "z" * 150, 3),),
        warnings=("w" * 200,),
        notes=("a note " * 30,),
        advisories_loaded=0,
    )


@pytest.mark.parametrize("width", [70, 80, 100])
def test_fits_the_width(width: int) -> None:
    text = render(crowded_result(), width=width)
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert not too_long


def test_default_width_is_80() -> None:
    assert all(len(line) <= 80 for line in render(crowded_result()).splitlines())


def test_every_column_survives_80_columns() -> None:
    header = render(crowded_result()).splitlines()[0].split()
    assert header == ["Package", "Advisory", "Severity", "Fixed", "Imported"]


def test_no_ansi_without_color() -> None:
    assert not ANSI.search(render(crowded_result()))
    assert not ANSI.search(render(mixed_result()))


def test_color_when_asked() -> None:
    assert ANSI.search(render(mixed_result(), color=True))


def test_sorted_by_severity_then_package() -> None:
    text = render(mixed_result())
    order = [
        text.index(advisory)
        for advisory in (
            "GHSA-jfh8-c2jp-5v3q",
            "GHSA-35jh-r3h4-6jhm",
            "PYSEC-2021-98",
            "GO-2020-0001",
        )
    ]
    assert order == sorted(order)
    # informational last
    assert text.index("GHSA-p8p7-x288-28g6") > order[-1]


def test_summary_and_labels() -> None:
    text = render(mixed_result(), width=200)
    assert (
        "4 vulnerabilities in 4 of 6 dependencies (1 critical, 1 high, 1 medium, 1 unknown)" in text
    )
    assert "CVE-2021-44228" in text  # first CVE alias under the advisory id
    assert "unmaintained" in text
    assert "1 informational advisory (unmaintained)" in text
    assert "GO-2020-0001 ~" in text
    assert "~ approximate match" in text
    assert "1 dependency has no exact version" in text
    assert "Conclusion: failure" in text


def test_errors_warnings_and_notes_are_listed() -> None:
    text = render(mixed_result(), width=200)
    assert "Errors (1):" in text
    assert "yarn.lock:1: not a yarn lockfile: unexpected '{'" in text
    assert "Warnings (1):" in text
    assert "scan.mode 'fast'" in text
    assert "Notes (1):" in text
    assert "reachability analysis skipped for Go" in text


def test_no_advisories_loaded_is_said_once() -> None:
    empty = result((), (dependency(),), advisories_loaded=0, notes=(NO_ADVISORIES_NOTE,))
    text = render(empty, width=200)
    assert text.count("No advisories are loaded") == 1
    assert "bastion advisories import PATH" in text


def test_no_findings_says_so_with_the_dependency_count() -> None:
    deps = tuple(dependency(f"pkg-{i}") for i in range(12))
    text = render(result((), deps))
    assert text.splitlines()[0] == "No known vulnerabilities in 12 dependencies"
    assert "Package" not in text


def test_no_dependencies() -> None:
    assert render(result()).splitlines()[0] == "No dependencies found"


def test_markup_in_names_is_printed_verbatim() -> None:
    text = render(result((finding(dependency("[bold]evil[/bold]")),)), width=200)
    assert "[bold]evil[/bold]@4.17.20" in text


def test_transitive_findings_show_why_the_package_is_there() -> None:
    dep = dependency(
        "minimist", "0.0.10", direct=False, path=("handlebars", "optimist", "minimist")
    )
    text = render(result((finding(dep),)))
    assert "via handlebars > optimist" in text
    direct = render(result((finding(dependency("lodash", path=("lodash",))),)))
    assert "via" not in direct


def test_license_summary_and_violations() -> None:
    text = render(pr_check_result(), width=200)
    assert (
        "Licenses: 6 permissive, 1 weak copyleft, 1 copyleft, 1 unknown; "
        "6 dependencies declare none"
    ) in text
    assert "License policy permissive: 2 violations, 1 to review" in text
    assert "License violations (2):" in text
    assert (
        "acme/gpl-widgets@2.0.0 (Packagist, GPL-3.0-or-later): GPL-3.0-or-later is copyleft"
    ) in text
    assert "Licenses to review (1):" in text
    # The conclusion is about vulnerabilities; licenses come after it.
    assert text.index("Conclusion: failure") < text.index("Licenses:")


@pytest.mark.parametrize("width", [70, 80])
def test_license_lines_fit_the_width(width: int) -> None:
    assert all(len(line) <= width for line in render(pr_check_result(), width=width).splitlines())


def test_no_license_lines_without_licenses_or_policy() -> None:
    assert "License" not in render(mixed_result(), width=200)

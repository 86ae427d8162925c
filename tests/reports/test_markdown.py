from __future__ import annotations

import pytest

from bastion.models import Conclusion
from bastion.reports.markdown import render
from bastion.sca.scanner import NO_ADVISORIES_NOTE
from tests.reports.factories import (
    dependency,
    finding,
    mixed_result,
    pr_check_result,
    result,
    vulnerability,
)
from tests.reports.snapshot import assert_matches_snapshot


def test_snapshot_mixed() -> None:
    assert_matches_snapshot("mixed.md", render(mixed_result()))


def test_snapshot_pr_check() -> None:
    """The golden file of what a pull-request check shows."""
    assert_matches_snapshot("pr-check.md", render(pr_check_result()))


def test_snapshot_clean() -> None:
    deps = tuple(dependency(f"pkg-{i}", "1.0.0") for i in range(3))
    assert_matches_snapshot("clean.md", render(result((), deps)))


def test_snapshot_no_advisories() -> None:
    assert_matches_snapshot(
        "no-advisories.md",
        render(result((), (dependency(),), advisories_loaded=0, notes=(NO_ADVISORIES_NOTE,))),
    )


@pytest.mark.parametrize(
    ("conclusion", "title"),
    [
        (Conclusion.FAILURE, "## ❌ Found 1 vulnerability"),
        (Conclusion.NEUTRAL, "## ⚠️ Found 1 vulnerability (none blocking)"),
    ],
)
def test_title(conclusion: Conclusion, title: str) -> None:
    text = render(result((finding(),), conclusion=conclusion))
    assert text.splitlines()[0] == title


def test_clean_title() -> None:
    assert render(result((), (dependency(),))).startswith("## ✅ No known vulnerabilities\n")


def test_table_cells_cannot_break_the_table() -> None:
    evil = dependency("a|b", "1.0|2", source="x|y.lock")
    text = render(result((finding(evil),)))
    row = next(line for line in text.splitlines() if line.startswith("| a"))
    # 7 columns -> 8 unescaped pipes
    assert row.replace("\\|", "").count("|") == 8


def test_summary_counts_imported_findings() -> None:
    text = render(pr_check_result())
    assert "5 imported by the project's code, 5 not imported, 2 not analysed" in text
    assert "| 2 | 7 | 2 | 0 | 1 |" in text


def test_recommended_actions() -> None:
    lines = render(pr_check_result()).splitlines()
    actions = lines[lines.index("### Recommended actions") + 2 :]
    actions = actions[: actions.index("")]
    assert len(actions) == 10
    lodash = next(a for a in actions if a.startswith("- **lodash**"))
    # Two advisories, one action: the release that clears both.
    assert lodash == (
        "- **lodash** 4.17.15 → 4.17.21 in `package-lock.json` "
        "(GHSA-35jh-r3h4-6jhm, GHSA-p6mc-m468-83gw): `npm install lodash@4.17.21`"
    )
    assert any(a.endswith("`yarn add axios@0.21.2`") for a in actions)
    assert any(a.endswith("`poetry add 'Django@>=3.2.5'`") for a in actions)
    rack = next(a for a in actions if a.startswith("- **rack**"))
    assert rack.endswith("no fixed release yet: consider replacing or mitigating")
    assert "via mkdirp" in next(a for a in actions if a.startswith("- **minimist**"))


def test_many_advisories_are_summarised() -> None:
    vulns = [vulnerability(f"GHSA-000{i}", fixed_version=f"1.0.{i}") for i in range(5)]
    text = render(result(tuple(finding(vuln=v) for v in vulns)))
    assert "(GHSA-0000, GHSA-0001, GHSA-0002, and 2 more): `npm install lodash@1.0.4`" in text


def test_code_spans_survive_backticks() -> None:
    text = render(result((finding(dependency("a`b", source="x`y/package-lock.json")),)))
    assert "in `` x`y/package-lock.json `` (" in text
    assert "`` npm install 'a`b@4.17.21' ``" in text


def test_licenses_section() -> None:
    text = render(pr_check_result())
    section = text[text.index("### Licenses") :]
    assert "Policy `permissive`: **2 violations**, 1 to review" in section
    assert (
        "6 permissive, 1 weak copyleft, 1 copyleft, 1 unknown; 6 dependencies declare none"
        in section
    )
    rows = [line for line in section.splitlines() if line.startswith("| acme")]
    assert [row.split(" | ")[0] for row in rows] == [
        "| acme/gpl-widgets",
        "| acme/lgpl-codec",
        "| acme-ui",
    ]
    assert "❌ not allowed" in rows[0]
    assert "| review |" in rows[2]


def test_no_license_section_without_licenses_or_policy() -> None:
    assert "### Licenses" not in render(mixed_result())

from __future__ import annotations

import pytest

from bastion.models import Conclusion
from bastion.reports.markdown import render
from tests.reports.factories import dependency, finding, mixed_result, result
from tests.reports.snapshot import assert_matches_snapshot


def test_snapshot_mixed() -> None:
    assert_matches_snapshot("mixed.md", render(mixed_result()))


def test_snapshot_clean() -> None:
    deps = tuple(dependency(f"pkg-{i}", "1.0.0") for i in range(3))
    assert_matches_snapshot("clean.md", render(result((), deps)))


def test_snapshot_no_advisories() -> None:
    assert_matches_snapshot(
        "no-advisories.md", render(result((), (dependency(),), advisories_loaded=0))
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

from __future__ import annotations

import pytest

from bastion.dast.reports.base import Format, render
from bastion.dast.reports.table import render as render_table
from tests.dast.reports.factories import empty_report, hostile_report, mixed_report


@pytest.mark.parametrize("width", [70, 100, 160])
def test_fits_the_width_and_lists_every_finding(width: int) -> None:
    text = render_table(mixed_report(), width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    # Narrow tables fold long words across lines, interleaved with the other columns.
    if width >= 100:
        for expected in ["sqli-error", "xss-reflected", "csp-missing", "high", "medium", "low"]:
            assert expected in text
    flowing = " ".join(text.split())
    assert "3 findings on http://shop.test:8080/ (1 high, 1 medium, 1 low)" in flowing
    assert "1234 requests, 56 pages, 78 inputs, 90 insertion points, 2 errors in 12.3 s" in flowing
    assert "Stopped: completed" in text
    assert "openapi: no definition given" in text


def test_no_escape_sequences_reach_the_terminal() -> None:
    plain = render_table(hostile_report())
    assert "\x1b" not in plain
    colored = render_table(mixed_report(), color=True)
    assert "\x1b[" in colored


def test_empty_report() -> None:
    text = render_table(empty_report())
    assert "No findings on http://shop.test:8080/" in text
    assert "Stopped: target unreachable: connection refused" in text


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders(fmt: Format) -> None:
    assert render(mixed_report(), fmt).endswith("\n")

from __future__ import annotations

import json

import pytest

from bastion.reports import Format, render
from tests.reports.factories import mixed_result, result


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders(fmt: Format) -> None:
    for scan in (mixed_result(), result()):
        text = render(scan, fmt)
        assert text.endswith("\n")
        if fmt in (Format.JSON, Format.SARIF, Format.CYCLONEDX):
            json.loads(text)


def test_format_names_match_the_cli() -> None:
    # SPEC §4: --format table|json|markdown|sarif|cyclonedx
    assert [f.value for f in Format] == ["table", "json", "markdown", "sarif", "cyclonedx"]


def test_table_options_are_passed_through() -> None:
    text = render(mixed_result(), Format.TABLE, width=120, color=True)
    assert "\x1b[" in text
    assert (
        max(len(line) for line in render(mixed_result(), Format.TABLE, width=120).splitlines()) > 80
    )

"""App-scan report formats: one module per ``--format``, each exposing ``render(report)``."""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from bastion.dast.model import DastReport
from bastion.dast.reports import json, sarif, table


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    HTML = "html"


def render(
    report: DastReport, fmt: Format, *, width: int = table.DEFAULT_WIDTH, color: bool = False
) -> str:
    """Render ``report`` as ``fmt``; ``width`` and ``color`` only matter to the table."""
    match fmt:
        case Format.TABLE:
            return table.render(report, width=width, color=color)
        case Format.JSON:
            return json.render(report)
        case Format.SARIF:
            return sarif.render(report)
        case Format.HTML:
            # Imported on use: jinja2 costs an import most runs never need.
            from bastion.dast.reports import html  # noqa: PLC0415

            return html.render(report)
        case _:
            assert_never(fmt)

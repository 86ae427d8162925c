"""Report formats: one module per ``--format``, each exposing ``render(result) -> str``."""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from bastion.models import ScanResult
from bastion.reports import json, markdown, sarif, table


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    CYCLONEDX = "cyclonedx"


def render(result: ScanResult, fmt: Format, *, width: int = 80, color: bool = False) -> str:
    """Render ``result`` as ``fmt``; ``width`` and ``color`` only matter to the table."""
    match fmt:
        case Format.TABLE:
            return table.render(result, width=width, color=color)
        case Format.JSON:
            return json.render(result)
        case Format.MARKDOWN:
            return markdown.render(result)
        case Format.SARIF:
            return sarif.render(result)
        case Format.CYCLONEDX:
            # Imported on use: cyclonedx-python-lib takes ~0.2 s to import, a cost every
            # CLI run would otherwise pay for a format most runs never print.
            from bastion.reports import cyclonedx  # noqa: PLC0415

            return cyclonedx.render(result)
        case _:
            assert_never(fmt)

"""Scan-result reports: ``render(result, Format.X)`` for every ``--format``."""

from bastion.reports.base import Format, render

__all__ = ["Format", "render"]

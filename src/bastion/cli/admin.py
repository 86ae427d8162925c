"""What the admin commands (orgs, users, members, tokens) share: errors and tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import typer

from bastion.cli.errors import UsageError, friendly_errors
from bastion.errors import BastionError
from bastion.orgs.errors import UnknownOrganization, UnknownUser

# What to do next, for the mistakes an admin meets first.
_HINTS: dict[type[BastionError], str] = {
    UnknownUser: "create the user first: bastion users create EMAIL",
    UnknownOrganization: "create it first: bastion orgs create PROVIDER NAME",
}


@contextmanager
def admin_errors() -> Iterator[None]:
    """:func:`friendly_errors`, with the service's refusals (unknown user, duplicate
    organisation, bad email…) as input errors: one line, exit 2."""
    with friendly_errors():
        try:
            yield
        except BastionError as exc:
            hint = _HINTS.get(type(exc))
            raise UsageError(f"{exc.message} ({hint})" if hint else exc.message) from exc


def when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Aligned plain-text columns: easy to read, and to cut with awk."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    for row in (headers, *rows):
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )

"""The `bastion` command line (SPEC §4). Commands stay thin: parse, call, map exit codes."""

from __future__ import annotations

import shutil
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bastion import __version__
from bastion.cli import advisories, dast, github, orgs, server
from bastion.cli.errors import (
    EXIT_BLOCKING,
    EXIT_OK,
    UsageError,
    configure_logging,
    friendly_errors,
)

if TYPE_CHECKING:
    from bastion.models import ScanResult

app = typer.Typer(
    name="bastion",
    help="Self-hosted application security: vulnerable dependencies (SCA) and running apps (DAST).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(advisories.app, name="advisories")
app.add_typer(github.app, name="github")
app.add_typer(server.tokens_app, name="tokens")
app.add_typer(orgs.orgs_app, name="orgs")
app.add_typer(orgs.users_app, name="users")
app.add_typer(orgs.members_app, name="members")
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    CYCLONEDX = "cyclonedx"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bastion {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log debug details to stderr.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    configure_logging(verbose)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


@app.command()
def scan(
    path: Annotated[Path, typer.Argument(help="A directory or a single lockfile/manifest.")],
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", envvar="BASTION_FORMAT", help="Output format.")
    ] = OutputFormat.TABLE,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to a file instead of stdout."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Glob of repo-relative paths to skip (repeatable)."),
    ] = None,
    block_on: Annotated[
        str | None,
        typer.Option(
            "--block-on",
            envvar="BASTION_BLOCK_ON",
            help="Which findings fail the scan: imported, all or critical_only "
            "(default: vulnerability.block_on of .bastion.yml, else imported).",
        ),
    ] = None,
) -> None:
    """Find known-vulnerable dependencies. Exit 0: nothing blocks; 1: a finding blocks; 2: error."""
    from bastion.advisories.store import LocalMirror  # noqa: PLC0415 - lazy: keeps --help fast
    from bastion.cli.state import open_engine  # noqa: PLC0415
    from bastion.models import Conclusion  # noqa: PLC0415
    from bastion.sca.scanner import scan_path  # noqa: PLC0415
    from bastion.sca.verdict import BlockOn  # noqa: PLC0415

    with friendly_errors():
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
        try:
            policy = BlockOn(block_on) if block_on is not None else None
        except ValueError:
            raise UsageError(
                f"--block-on must be one of {', '.join(b.value for b in BlockOn)}, not {block_on!r}"
            ) from None
        result = scan_path(path, LocalMirror(open_engine()), exclude=exclude or (), block_on=policy)
        if path.is_file() and not result.dependencies and result.errors:
            # The one file the user named could not be read: that is an input error.
            for error in result.errors:
                typer.echo(f"bastion: error: {error}", err=True)
            raise typer.Exit(2)
        _write(_render(result, fmt, output), output)
        raise typer.Exit(EXIT_BLOCKING if result.conclusion is Conclusion.FAILURE else EXIT_OK)


def _render(result: ScanResult, fmt: OutputFormat, output: Path | None) -> str:
    from bastion.reports.base import Format, render  # noqa: PLC0415 - lazy: keeps --help fast

    to_terminal = output is None and sys.stdout.isatty()
    width = shutil.get_terminal_size((80, 24)).columns if to_terminal else 80
    return render(result, Format(fmt.value), width=max(width, 60), color=to_terminal)


@app.command()
def sbom(
    path: Annotated[Path, typer.Argument(help="A directory or a single lockfile/manifest.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the SBOM to a file instead of stdout."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Glob of repo-relative paths to skip (repeatable)."),
    ] = None,
) -> None:
    """CycloneDX 1.6 JSON: one component per dependency, with its package URL."""
    from bastion.reports.cyclonedx import render_sbom  # noqa: PLC0415
    from bastion.sca.walker import collect  # noqa: PLC0415

    with friendly_errors():
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
        dependencies, errors = collect(path, exclude or ())
        for error in errors:
            typer.echo(f"bastion: warning: {error}", err=True)
        if path.is_file() and not dependencies and errors:
            raise typer.Exit(2)
        _write(render_sbom(dependencies, target=path.resolve().name), output)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (also done automatically when needed)."""
    from bastion.db.engine import make_engine, upgrade  # noqa: PLC0415

    with friendly_errors():
        engine = make_engine()
        upgrade(engine)
        typer.echo(
            f"database schema is current ({engine.url.render_as_string(hide_password=True)})"
        )


app.command()(dast.dast)
app.command()(server.serve)
app.command()(server.worker)

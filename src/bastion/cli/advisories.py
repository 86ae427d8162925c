"""`bastion advisories …`: load, refresh and inspect the offline OSV mirror."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bastion.cli.errors import EXIT_BLOCKING, UsageError, friendly_errors
from bastion.cli.state import open_engine

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

# Rich is imported inside the commands: `bastion scan` loads this module too, and every
# millisecond of start-up counts there.

app = typer.Typer(
    help="Load, refresh and inspect the offline OSV advisory mirror.", no_args_is_help=True
)


@cache
def _stderr() -> Console:
    from rich.console import Console  # noqa: PLC0415

    return Console(stderr=True)


def _report_problems(problems: list[object], limit: int = 20) -> None:
    for problem in problems[:limit]:
        _stderr().print(f"[yellow]skipped[/] {problem}", highlight=False)
    if len(problems) > limit:
        _stderr().print(f"[yellow]… and {len(problems) - limit} more problems[/]")


@app.command("import")
def import_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="An osv.dev all.zip, a folder of <Ecosystem>/all.zip, or of .json records."
        ),
    ],
) -> None:
    """Import OSV records; newer `modified` wins, so re-importing is safe."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415

    from bastion.advisories.importer import import_path  # noqa: PLC0415

    with friendly_errors():
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
        engine = open_engine()
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            console=_stderr(),
            transient=True,
        ) as progress:
            task = progress.add_task("import", total=None)
            report = import_path(engine, path, lambda n: progress.advance(task, n))
        _report_problems(list(report.problems))
        _stderr().print(
            f"Imported {report.written} new or updated records "
            f"({report.unchanged} unchanged, {len(report.problems)} skipped) "
            f"from {report.read} read."
        )
        if report.read == 0 and report.problems:
            raise typer.Exit(EXIT_BLOCKING)


class _RichSyncProgress:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def start(self, description: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, visible=False)
        self.task = self.progress.add_task(description, total=total)

    def advance(self, amount: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)


@app.command("sync")
def sync_command(
    ecosystem: Annotated[
        list[str] | None,
        typer.Option(
            "--ecosystem",
            "-e",
            help="OSV ecosystem to sync (repeatable). "
            "Default: those synced before, else every supported one.",
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar="BASTION_OSV_BASE_URL",
            help="Where the OSV exports live (a mirror of osv.dev's bucket).",
        ),
    ] = None,
) -> None:
    """Download osv.dev's exports; later runs fetch only what changed (modified_id.csv)."""
    import httpx  # noqa: PLC0415
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from bastion.advisories.sync import DEFAULT_BASE_URL, Syncer  # noqa: PLC0415

    with friendly_errors():
        engine = open_engine()
        with (
            httpx.Client(
                timeout=httpx.Timeout(60.0, connect=15.0),
                follow_redirects=True,
                transport=httpx.HTTPTransport(retries=2),
            ) as client,
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=_stderr(),
                transient=True,
            ) as progress,
        ):
            syncer = Syncer(
                engine, client, base_url or DEFAULT_BASE_URL, _RichSyncProgress(progress)
            )
            report = syncer.sync(ecosystem)
        _report_problems(list(report.imported.problems))
        for name in report.skipped:
            _stderr().print(f"[yellow]no OSV export found for {name}; skipped[/]")
        parts = [f"{name} (full download)" for name in report.full]
        parts += [f"{name} ({count} changed)" for name, count in report.incremental.items()]
        _stderr().print(
            f"Synced {', '.join(parts) or 'nothing'}: {report.imported.written} records written, "
            f"{report.imported.unchanged} unchanged."
        )


@app.command("stats")
def stats_command() -> None:
    """Records per ecosystem and when each was last synced or imported."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from bastion.advisories.store import LocalMirror  # noqa: PLC0415

    with friendly_errors():
        engine = open_engine()
        stats = LocalMirror(engine).stats()
        out = Console()
        if not stats:
            out.print(
                "The advisory mirror is empty. "
                "Run `bastion advisories sync` or `bastion advisories import PATH`."
            )
            return
        table = Table("ecosystem", "records", "withdrawn", "last sync", "last import")
        for row in stats:
            table.add_row(
                row.ecosystem,
                str(row.records),
                str(row.withdrawn),
                _short(row.last_sync),
                _short(row.last_import),
            )
        out.print(table)
        total = LocalMirror(engine).record_count()
        out.print(f"Total: {total} distinct records (one record may name several ecosystems).")


def _short(stamp: str | None) -> str:
    return stamp[:19].replace("T", " ") + " UTC" if stamp else "never"

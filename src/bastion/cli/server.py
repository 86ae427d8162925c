"""`bastion serve`, `bastion worker` and `bastion tokens …`: running the service."""

from __future__ import annotations

import gc
import signal
import sys
import threading
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from bastion.cli.admin import admin_errors, print_table, when
from bastion.cli.errors import EXIT_USAGE, UsageError, friendly_errors

if TYPE_CHECKING:
    from bastion.server.settings import ServerSettings

# Allocations between young-generation collections (CPython's default is 700).
GC_YOUNG_THRESHOLD = 50_000
# Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005).
# Each database call of a request gives the GIL up and waits to get it back; behind a
# CPU-bound job thread that wait was a whole interval per call.
GIL_SWITCH_INTERVAL = 0.0005

tokens_app = typer.Typer(help="Account API tokens for the HTTP API.", no_args_is_help=True)


def _check_dast_settings(settings: ServerSettings) -> None:
    """A malformed BASTION_DAST_ALLOWED_NETWORKS or BASTION_SECRET_KEY stops the server
    at start-up with one line, instead of failing every target request later. Without a
    key, this also creates the data directory's key file, once."""
    from bastion.errors import BastionError  # noqa: PLC0415
    from bastion.targets.config import DastSettings  # noqa: PLC0415

    try:
        DastSettings.from_server_settings(settings)
    except BastionError as exc:
        detail = exc.message if exc.detail is None else f"{exc.message}: {exc.detail}"
        raise UsageError(detail) from exc


def _require_github_settings() -> None:
    """The service is a GitHub App: refuse to start with every problem listed at once."""
    from bastion.github.settings import validate_github_settings  # noqa: PLC0415

    problems = validate_github_settings()
    if problems:
        for problem in problems:
            typer.echo(f"bastion: error: {problem}", err=True)
        raise typer.Exit(EXIT_USAGE)


def serve(
    host: Annotated[
        str, typer.Option("--host", envvar="BASTION_HOST", help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", envvar="PORT", min=1, max=65535, help="Port to listen on.")
    ] = 8080,
    workers: Annotated[
        bool,
        typer.Option(
            "--workers/--no-workers",
            envvar="BASTION_SERVE_WORKERS",
            help="Run scan jobs in this process (embedded queue); "
            "--no-workers leaves them to `bastion worker`.",
        ),
    ] = True,
) -> None:
    """Run the HTTP API (SPEC §2) with its scan workers."""
    with friendly_errors():
        _require_github_settings()
        import uvicorn  # noqa: PLC0415 - lazy: keeps other commands fast

        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.server import ServerSettings, create_app  # noqa: PLC0415
        from bastion.server.logs import configure_json_logging  # noqa: PLC0415

        configure_json_logging()
        settings = ServerSettings(host=host, port=port, run_workers=workers)
        _check_dast_settings(settings)
        app = create_app(settings, engine=open_engine())
        # What exists now (modules, the app) lives as long as the process: keep it out of
        # the cyclic GC's full collections, and collect young objects less often. Both
        # halved the median of a 1,000-query /v1/querybatch (BENCHMARKS.md).
        gc.freeze()
        gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


def worker(
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads", envvar="BASTION_WORKERS", min=1, max=64, help="Jobs run at once."
        ),
    ] = None,
) -> None:
    """Run queued scan jobs until stopped; run several on one database to scale out."""
    with friendly_errors():
        _require_github_settings()
        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.github.client import GitHubClient  # noqa: PLC0415
        from bastion.github.settings import GitHubSettings  # noqa: PLC0415
        from bastion.jobs.backends import make_backend  # noqa: PLC0415
        from bastion.jobs.settings import JobSettings, QueueBackend  # noqa: PLC0415
        from bastion.scans.executor import scan_resources  # noqa: PLC0415
        from bastion.server.logs import configure_json_logging  # noqa: PLC0415

        configure_json_logging()
        settings = JobSettings()
        if threads is not None:
            settings = settings.model_copy(update={"worker_threads": threads})
        github = GitHubClient.from_settings(GitHubSettings())
        if settings.queue is QueueBackend.CELERY:
            from bastion.jobs.celery_backend import run_worker  # noqa: PLC0415

            try:
                # Celery handles SIGTERM/SIGINT itself (warm shutdown after running jobs).
                resources = scan_resources(github, scan_processes=settings.resolved_scan_processes)
                code = run_worker(open_engine(), settings, resources=resources)
            finally:
                github.close()
            raise typer.Exit(code)
        resources = scan_resources(github, scan_processes=settings.resolved_scan_processes)
        backend = make_backend(open_engine(), settings, resources=resources)
        stop = threading.Event()

        def on_signal(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        backend.start()
        try:
            # A timeout keeps the main thread responsive to signals on every platform.
            while not stop.wait(1.0):
                pass
        finally:
            backend.stop()
            github.close()


@tokens_app.command("create")
def create_token(
    owner: Annotated[
        str,
        typer.Argument(
            metavar="EMAIL",
            help="The user to issue it for (see `bastion users create`). An argument "
            "without @ is the token's name, for the service account of --account.",
        ),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="What the token is for (default: cli).")
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            help="Without an EMAIL: the service account (created if new; default: admin).",
        ),
    ] = None,
    expires_in_days: Annotated[
        int | None, typer.Option("--expires-in-days", min=1, help="Default: never expires.")
    ] = None,
) -> None:
    """Print a new API token. It is shown only this once."""
    with admin_errors():
        from bastion.accounts.service import create_account, find_account, issue_token  # noqa: PLC0415
        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.clock import utcnow  # noqa: PLC0415
        from bastion.db.session import write_session  # noqa: PLC0415
        from bastion.orgs.users import require_user  # noqa: PLC0415

        for_user = "@" in owner
        if for_user and account is not None:
            raise UsageError("--account is for service accounts; EMAIL already names the user")
        if not for_user and name is not None:
            raise UsageError(f"{owner!r} is not an email: it is the token's name, so no --name")
        label = (name or "cli") if for_user else owner
        if not label.strip() or len(label) > 100:
            raise UsageError("the token name must be 1 to 100 characters")
        now = utcnow()
        expires = now + timedelta(days=expires_in_days) if expires_in_days else None
        with write_session(open_engine()) as session:
            if for_user:
                holder = require_user(session, owner)
                if holder.disabled_at is not None:
                    raise UsageError(f"user {holder.email} is disabled (bastion users enable)")
            else:
                # Before users had emails, CI tokens belonged to a named service account.
                service_account = account or "admin"
                holder = find_account(session, service_account) or create_account(
                    session, service_account, now
                )
            issued = issue_token(session, holder.id, label, now, expires_at=expires)
        typer.echo(issued.token)
        typer.echo(
            f"token {issued.prefix} ({label!r}) for account {holder.name!r}: "
            "store it now, it is not shown again",
            err=True,
        )


@tokens_app.command("list")
def list_tokens(
    owner: Annotated[
        str,
        typer.Argument(
            metavar="EMAIL", help="The user (or, without @, the service account's name)."
        ),
    ],
) -> None:
    """An account's tokens: prefix, name and dates, never the secret."""
    with admin_errors():
        from bastion.accounts.service import find_account  # noqa: PLC0415
        from bastion.accounts.service import list_tokens as tokens_of  # noqa: PLC0415
        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.db.session import read_session  # noqa: PLC0415
        from bastion.orgs.users import require_user  # noqa: PLC0415

        with read_session(open_engine()) as session:
            holder = require_user(session, owner) if "@" in owner else find_account(session, owner)
            if holder is None:
                raise UsageError(f"no account named {owner!r}")
            rows = [
                [
                    token.prefix,
                    token.name,
                    when(token.created_at),
                    when(token.last_used_at),
                    when(token.expires_at),
                    when(token.revoked_at),
                ]
                for token in tokens_of(session, holder.id)
            ]
        print_table(["PREFIX", "NAME", "CREATED", "LAST USED", "EXPIRES", "REVOKED"], rows)


@tokens_app.command("revoke")
def revoke_token(
    prefix: Annotated[str, typer.Argument(help="The token's 8-character prefix (or the token).")],
) -> None:
    """Revoke an API token at once."""
    with friendly_errors():
        from bastion.accounts.service import revoke_token_by_prefix  # noqa: PLC0415
        from bastion.cli.state import open_engine  # noqa: PLC0415
        from bastion.clock import utcnow  # noqa: PLC0415
        from bastion.db.session import write_session  # noqa: PLC0415

        with write_session(open_engine()) as session:
            revoked = revoke_token_by_prefix(session, prefix, utcnow())
        if not revoked:
            raise UsageError(f"no active token with prefix {prefix!r}")
        typer.echo(f"revoked token {prefix}")

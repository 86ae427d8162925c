"""The one place where library errors become exit codes and one-line messages (SPEC §4)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from sqlalchemy.exc import SQLAlchemyError

from bastion.advisories.errors import SyncError

EXIT_OK = 0
EXIT_BLOCKING = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad arguments or unusable input: exit 2 with the message."""


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    typer.echo(f"bastion: error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """No traceback ever reaches the user: known errors get their message, others a hint."""
    try:
        yield
    except typer.Exit:
        raise
    except UsageError as exc:
        fail(str(exc))
    except SyncError as exc:
        fail(f"sync failed, the advisory mirror is unchanged: {exc}", 1)
    except SQLAlchemyError as exc:
        fail(f"database error: {exc.__class__.__name__}: {_first_line(exc)}")
    except OSError as exc:
        fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:
        logging.getLogger("bastion").debug("unexpected error", exc_info=True)
        fail(f"unexpected {exc.__class__.__name__}: {exc} (run with BASTION_DEBUG=1 for details)")


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else ""


def configure_logging(verbose: bool = False) -> None:
    debug = verbose or os.environ.get("BASTION_DEBUG") == "1"
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )

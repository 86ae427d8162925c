"""Path traversal (CWE-22): file names joined to the data directory without any check,
from a query parameter and from a path segment; one page HTML-escapes what it read. The
safe twins serve only the names they know."""

from __future__ import annotations

import html
import os
import stat
from collections.abc import Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.state import DATA_FILES, AppState
from tests.support.dast_app.web import links, page

# Enough for /etc/passwd or win.ini; bounds what a scan can make the app read.
READ_LIMIT = 64 * 1024

SECTION = links(
    [
        ("/files/view?name=report.txt", "Quarterly report"),
        ("/files/escaped?name=notes.txt", "Meeting notes"),
        ("/files/raw/readme.txt", "Read me"),
        ("/files/safe?name=report.txt", "Quarterly report (safe)"),
        ("/files/download/readme.txt", "Read me (safe)"),
    ]
)


def read_unchecked(data_dir: Path, name: str) -> str | None:
    """The file ``name`` relative to ``data_dir`` (absolute names and ``..`` work, as
    with a plain ``os.path.join``), or None when it is no readable regular file."""
    path = os.path.join(data_dir, name)
    try:
        # Only regular files: /dev/zero or a FIFO would never end.
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            return handle.read(READ_LIMIT).decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return None


def read_allowed(data_dir: Path, name: str) -> str | None:
    if name not in DATA_FILES:
        return None
    return (data_dir / name).read_text(encoding="utf-8")


def not_found(name: str) -> Response:
    return page("Not found", f"<p>No such file: {html.escape(name)}</p>", status=404)


def routes(state: AppState) -> list[BaseRoute]:
    data_dir = state.data_dir

    def plain(reader: Callable[[Path, str], str | None], source: str) -> Callable[..., Response]:
        def endpoint(request: Request) -> Response:
            if source == "path":
                name = str(request.path_params["name"])
            else:
                name = request.query_params.get("name", "")
            content = reader(data_dir, name)
            return not_found(name) if content is None else PlainTextResponse(content)

        return endpoint

    def escaped(request: Request) -> Response:
        name = request.query_params.get("name", "")
        content = read_unchecked(data_dir, name)
        if content is None:
            return not_found(name)
        return page("File", f"<pre>{html.escape(content)}</pre>")

    def section(_: Request) -> Response:
        return page("Files", SECTION)

    return [
        Route("/files/", section),
        Route("/files", lambda _: RedirectResponse("/files/")),
        Route("/files/view", plain(read_unchecked, "query")),
        Route("/files/escaped", escaped),
        Route("/files/raw/{name:path}", plain(read_unchecked, "path")),
        Route("/files/safe", plain(read_allowed, "query")),
        Route("/files/download/{name:path}", plain(read_allowed, "path")),
    ]

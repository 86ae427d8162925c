"""`bastion dast URL`: scan a running web app or API (SPEC §4).

stdout carries the report and nothing else, so ``--format json > report.json`` works;
progress and logs go to stderr. Exit 0: nothing at or above ``--fail-on``; 1: a finding
is; 2: bad arguments or a target unreachable from the start (the report still prints,
saying why); 130: interrupted (the findings so far still print).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import shutil
import signal
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bastion.cli.errors import EXIT_BLOCKING, EXIT_OK, EXIT_USAGE, UsageError, fail, friendly_errors
from bastion.dast.options import DastOptions, LoginForm
from bastion.errors import BastionError

if TYPE_CHECKING:
    from bastion.dast.model import DastReport, ScanStats

EXIT_INTERRUPTED = 130
_DEFAULTS = DastOptions(target="")
# Plain progress lines (stderr not a terminal, e.g. CI) this often, in seconds.
PLAIN_PROGRESS_INTERVAL = 10.0


class DastFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    HTML = "html"


class FailOn(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


# -- argument parsers -------------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*([hms]?)", re.ASCII)
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "": 1.0}
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def parse_duration(text: str) -> float:
    """Seconds in ``900``, ``90s``, ``15m``, ``1h30m`` or ``1.5h``; ValueError otherwise.

    A bare number is seconds, and only the last part may omit its unit (``1m30``).
    """
    compact = text.strip().lower()
    if not compact:
        raise ValueError("empty duration")
    total = 0.0
    position = 0
    units_seen: list[str] = []
    while position < len(compact):
        match = _DURATION_PART.match(compact, position)
        if match is None:
            raise ValueError(f"not a duration: {text!r} (use e.g. 900, 90s, 15m, 1h30m)")
        number, unit = match.groups()
        if unit in units_seen or (not unit and position + len(match.group(0)) < len(compact)):
            raise ValueError(f"not a duration: {text!r} (use e.g. 900, 90s, 15m, 1h30m)")
        units_seen.append(unit)
        total += float(number) * _UNIT_SECONDS[unit]
        position = match.end()
        while position < len(compact) and compact[position].isspace():
            position += 1
    if not math.isfinite(total) or total <= 0:
        raise ValueError(f"duration must be a positive, finite time: {text!r}")
    return total


def parse_header(text: str) -> tuple[str, str]:
    """``Name: value`` as ``(name, value)``; ValueError for anything else."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"--header wants 'Name: value', not {text!r}")
    if "\r" in value or "\n" in value:
        raise ValueError(f"--header value of {name} contains a line break")
    return name, value.strip()


def parse_cookies(text: str) -> list[tuple[str, str]]:
    """``name=value``, or several as ``a=1; b=2`` (a Cookie header pasted as is)."""
    pairs: list[tuple[str, str]] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.strip().partition("=")
        name = name.strip()
        if not sep or not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"--cookie wants 'name=value', not {text!r}")
        if any(c in value for c in "\r\n"):
            raise ValueError(f"--cookie value of {name} contains a line break")
        pairs.append((name, value.strip()))
    if not pairs:
        raise ValueError(f"--cookie wants 'name=value', not {text!r}")
    return pairs


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _check_target(url: str) -> str:
    from urllib.parse import urlsplit  # noqa: PLC0415

    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise UsageError(f"not a valid URL: {url!r} ({exc})") from None
    if parts.scheme.lower() not in {"http", "https"}:
        hint = f" (did you mean http://{url}?)" if "://" not in url else ""
        raise UsageError(f"the target must be an http:// or https:// URL, not {url!r}{hint}")
    if not host:
        raise UsageError(f"the target URL has no host: {url!r}")
    return url


def _check_patterns(option: str, patterns: list[str]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(
                f"{option} {pattern!r} is not a valid regular expression: {exc}"
            ) from None
    return tuple(patterns)


def _check_rules(rules: list[str]) -> tuple[str, ...]:
    from bastion.dast.checks.registry import all_rules  # noqa: PLC0415

    known = all_rules()
    unknown = [rule for rule in rules if rule not in known]
    if unknown:
        raise UsageError(
            f"unknown rule {', '.join(unknown)}; known rules: {', '.join(sorted(known)) or 'none'}"
        )
    return tuple(rules)


def _login(url: str | None, user: str | None, password: str | None) -> LoginForm | None:
    if url is None and user is None and password is None:
        return None
    if url is None or user is None or password is None:
        raise UsageError("--login-url, --login-user and --login-password go together")
    return LoginForm(url=_check_target(url), username=user, password=password)


def _openapi(value: str | None) -> str | None:
    if value is None or _is_url(value):
        return value
    if not Path(value).is_file():
        raise UsageError(f"{value}: no such file (--openapi takes a file or an http(s) URL)")
    return value


# -- progress ---------------------------------------------------------------------------


class _Progress:
    """Live counters on stderr: a Rich live line on a terminal, a plain line every few
    seconds otherwise (CI logs), and always a last line when the scan ends."""

    def __init__(self, target: str) -> None:
        from rich.console import Console  # noqa: PLC0415
        from rich.live import Live  # noqa: PLC0415
        from rich.text import Text  # noqa: PLC0415

        self._text = Text
        self._console = Console(stderr=True, highlight=False)
        self._start = time.monotonic()
        self._last_plain = 0.0
        self._live: Live | None = None
        if self._console.is_terminal:
            self._live = Live(Text(""), console=self._console, transient=True, refresh_per_second=4)
        typer.echo(f"bastion: scanning {target}", err=True)

    def __enter__(self) -> _Progress:
        if self._live is not None:
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()

    def __call__(self, stats: ScanStats, findings: int) -> None:
        elapsed = time.monotonic() - self._start
        line = (
            f"{stats.requests} requests, {stats.pages} pages, {findings} findings, "
            f"{elapsed:.0f} s elapsed"
        )
        if self._live is not None:
            self._live.update(self._text(line))
        elif elapsed - self._last_plain >= PLAIN_PROGRESS_INTERVAL:
            self._last_plain = elapsed
            typer.echo(f"bastion: {line}", err=True)

    def finished(self, report: DastReport) -> None:
        stats = report.stats
        typer.echo(
            f"bastion: scan ended ({stats.stop_reason}): {stats.requests} requests, "
            f"{stats.pages} pages, {len(report.findings)} findings in {stats.duration:.1f} s",
            err=True,
        )


async def _scan(options: DastOptions, progress: _Progress) -> DastReport:
    from bastion.dast.engine.scan import run_scan  # noqa: PLC0415

    interrupt = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_interrupt() -> None:
        interrupt.set()
        # A second Ctrl-C is the default one: stop now, without a report.
        loop.remove_signal_handler(signal.SIGINT)

    # No signal handlers on Windows or outside the main thread: Ctrl-C then just stops.
    no_signals = (NotImplementedError, RuntimeError, ValueError)
    with contextlib.suppress(*no_signals):
        loop.add_signal_handler(signal.SIGINT, on_interrupt)
    try:
        return await run_scan(options, progress=progress, interrupt=interrupt)
    finally:
        with contextlib.suppress(*no_signals):
            loop.remove_signal_handler(signal.SIGINT)


def _fails(report: DastReport, fail_on: FailOn) -> bool:
    from bastion.models import Severity  # noqa: PLC0415

    if fail_on is FailOn.NONE:
        return False
    threshold = Severity(fail_on.value.upper()).rank
    return any(finding.severity.rank >= threshold for finding in report.findings)


def _write(text: str, output: Path | None) -> None:
    text = text if text.endswith("\n") else text + "\n"
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")


def _render(report: DastReport, fmt: DastFormat, output: Path | None) -> str:
    from bastion.dast.reports.base import Format, render  # noqa: PLC0415

    to_terminal = output is None and sys.stdout.isatty()
    width = shutil.get_terminal_size((100, 24)).columns if to_terminal else 100
    return render(report, Format(fmt.value), width=width, color=to_terminal)


# -- the command ------------------------------------------------------------------------


def dast(  # noqa: PLR0917 - a Typer command receives its options as parameters
    url: Annotated[str, typer.Argument(help="The app or API to scan (http:// or https://).")],
    fmt: Annotated[
        DastFormat,
        typer.Option("--format", "-f", envvar="BASTION_DAST_FORMAT", help="Output format."),
    ] = DastFormat.TABLE,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the report to a file instead of stdout."),
    ] = None,
    max_duration: Annotated[
        str,
        typer.Option(
            "--max-duration",
            envvar="BASTION_DAST_MAX_DURATION",
            help="Time budget for the whole scan: seconds, or e.g. 15m, 1h30m. "
            "The report is printed when it runs out.",
        ),
    ] = f"{_DEFAULTS.max_duration:g}",
    max_requests: Annotated[
        int,
        typer.Option(
            "--max-requests", envvar="BASTION_DAST_MAX_REQUESTS", min=1, help="Request budget."
        ),
    ] = _DEFAULTS.max_requests,
    max_pages: Annotated[
        int,
        typer.Option(
            "--max-pages", envvar="BASTION_DAST_MAX_PAGES", min=1, help="Pages crawled at most."
        ),
    ] = _DEFAULTS.max_pages,
    max_depth: Annotated[
        int,
        typer.Option(
            "--max-depth", envvar="BASTION_DAST_MAX_DEPTH", min=0, help="Link depth crawled."
        ),
    ] = _DEFAULTS.max_depth,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            envvar="BASTION_DAST_CONCURRENCY",
            min=1,
            max=256,
            help="Requests in flight at once.",
        ),
    ] = _DEFAULTS.concurrency,
    rps: Annotated[
        float,
        typer.Option(
            "--rps", envvar="BASTION_DAST_RPS", min=0.1, help="Requests per second at most."
        ),
    ] = _DEFAULTS.requests_per_second,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", envvar="BASTION_DAST_TIMEOUT", min=0.1, help="Seconds per request."
        ),
    ] = _DEFAULTS.timeout,
    header: Annotated[
        list[str] | None,
        typer.Option("--header", "-H", help="'Name: value' sent with every request (repeatable)."),
    ] = None,
    cookie: Annotated[
        list[str] | None,
        typer.Option("--cookie", help="'name=value' sent with every request (repeatable)."),
    ] = None,
    login_url: Annotated[
        str | None,
        typer.Option(
            "--login-url", envvar="BASTION_DAST_LOGIN_URL", help="Page with the login form."
        ),
    ] = None,
    login_user: Annotated[
        str | None,
        typer.Option("--login-user", envvar="BASTION_DAST_LOGIN_USER", help="Login user name."),
    ] = None,
    login_password: Annotated[
        str | None,
        typer.Option(
            "--login-password",
            envvar="BASTION_DAST_LOGIN_PASSWORD",
            help="Login password (prefer the environment variable).",
        ),
    ] = None,
    openapi: Annotated[
        str | None,
        typer.Option(
            "--openapi",
            envvar="BASTION_DAST_OPENAPI",
            help="OpenAPI 3 / Swagger 2 definition (file or URL) describing the API.",
        ),
    ] = None,
    browser: Annotated[
        bool,
        typer.Option(
            "--browser/--no-browser",
            envvar="BASTION_DAST_BROWSER",
            help="Also crawl with headless Chromium (when installed) to find script-made requests.",
        ),
    ] = True,
    passive_only: Annotated[
        bool,
        typer.Option(
            "--passive-only",
            envvar="BASTION_DAST_PASSIVE_ONLY",
            help="Only look at the traffic of the crawl; send no attack payloads.",
        ),
    ] = False,
    rule: Annotated[
        list[str] | None,
        typer.Option(
            "--rule", envvar="BASTION_DAST_RULES", help="Run only this rule id (repeatable)."
        ),
    ] = None,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", help="Regex of URLs in scope besides the target's origin."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Regex of URLs never requested (e.g. logout)."),
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            envvar="BASTION_DAST_FAIL_ON",
            help="Exit 1 when a finding is at least this severe (none: never).",
        ),
    ] = FailOn.HIGH,
) -> None:
    """Scan a running web app or API for vulnerabilities (DAST).

    Exit 0: nothing at or above --fail-on; 1: a finding is; 2: usage error or no target.

    Interrupted (Ctrl-C): the findings so far are reported, exit 130.
    """
    with friendly_errors():
        try:
            duration = parse_duration(max_duration)
            headers = tuple(parse_header(h) for h in header or ())
            cookies = tuple(pair for c in cookie or () for pair in parse_cookies(c))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if output is not None and not output.parent.is_dir():
            # Checked now: finding out after a fifteen-minute scan would lose the report.
            raise UsageError(f"{output.parent}: no such directory")
        options = DastOptions(
            target=_check_target(url),
            include=_check_patterns("--include", include or []),
            exclude=_check_patterns("--exclude", exclude or []),
            max_depth=max_depth,
            max_requests=max_requests,
            max_pages=max_pages,
            max_duration=duration,
            concurrency=concurrency,
            requests_per_second=rps,
            timeout=timeout,
            headers=headers,
            cookies=cookies,
            login=_login(login_url, login_user, login_password),
            browser=browser,
            openapi=_openapi(openapi),
            active=not passive_only,
            rules=_check_rules(rule or []),
        )
        try:
            with _Progress(options.target) as progress:
                report = asyncio.run(_scan(options, progress))
        except BastionError as exc:
            fail(str(exc))
        progress.finished(report)
        _write(_render(report, fmt, output), output)
        reason = report.stats.stop_reason
        if reason.startswith("target unreachable"):
            typer.echo(f"bastion: error: {reason}", err=True)
            raise typer.Exit(EXIT_USAGE)
        if reason == "interrupted":
            raise typer.Exit(EXIT_INTERRUPTED)
        raise typer.Exit(EXIT_BLOCKING if _fails(report, fail_on) else EXIT_OK)

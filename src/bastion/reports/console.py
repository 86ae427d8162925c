"""What every terminal report (SCA and DAST) shares: one way to render Rich output into a
string, and one colour per severity."""

from __future__ import annotations

from io import StringIO

from rich.console import Console

from bastion.models import Severity

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.UNKNOWN: "dim",
}


class TextConsole:
    """A Rich console writing into a string ``width`` columns wide; ANSI styles only when
    ``color`` is set (the caller knows whether stdout is a terminal)."""

    def __init__(self, width: int, *, color: bool) -> None:
        self._buffer = StringIO()
        self.console = Console(
            file=self._buffer,
            width=width,
            force_terminal=color,
            color_system="standard" if color else None,
            no_color=not color,
            highlight=False,
            emoji=False,
            legacy_windows=False,
        )

    def text(self) -> str:
        """What was printed, without trailing spaces, ending in one newline."""
        return "\n".join(line.rstrip() for line in self._buffer.getvalue().splitlines()) + "\n"

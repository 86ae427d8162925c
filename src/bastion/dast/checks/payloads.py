"""Payload material more than one rule uses: files every system of a kind has, with a
signature of their content that no ordinary page contains."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KnownFile:
    """A file to read: ``path`` is how payloads name it (``etc/passwd``, no leading
    slash), ``signature`` matches its content."""

    path: str
    signature: re.Pattern[str]


PASSWD = KnownFile("etc/passwd", re.compile(r"root:[^:\n<]{0,20}:0:0:"))
# A group line ends after the member list; a passwd line would go on with ":".
GROUP = KnownFile("etc/group", re.compile(r"(?m)root:[^:\n<]{0,20}:0:[^:\n<]*(?:$|<)"))
WIN_INI = KnownFile(
    "windows/win.ini",
    re.compile(r"\[fonts\].{0,400}\[extensions\]|\[extensions\].{0,400}\[fonts\]", re.S),
)
SYSTEM_INI = KnownFile("windows/system.ini", re.compile(r"\[drivers\]|\[386Enh\]"))

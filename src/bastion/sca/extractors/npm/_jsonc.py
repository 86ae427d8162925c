"""JSON text scanning: JSONC to JSON, and the line of every key.

One regex pass over the tokens (strings are matched whole, so nothing inside them is
taken for a comment, a comma or a bracket). Comments become blank lines and trailing
commas disappear, so ``json`` reports errors at the right line of the original text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from bastion.sca.extractors.base import ExtractionError

_TOKEN = re.compile(
    r"""
      (?P<string>"(?:[^"\\\n]|\\.)*")
    | (?P<line_comment>//[^\n]*)
    | (?P<block_comment>/\*.*?\*/)
    | (?P<punct>[{}\[\]:,])
    | (?P<space>\s+)
    | (?P<other>[^"{}\[\]:,\s/]+|.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(slots=True)
class Scan:
    """``text`` as plain JSON, and {key path: line} for keys of nested objects."""

    json_text: str
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)


def scan(text: str, *, jsonc: bool, max_key_depth: int = 4) -> Scan:
    """Line numbers of object keys up to ``max_key_depth`` objects deep (not in arrays).

    With ``jsonc`` the comments and trailing commas JSONC allows are removed from the
    returned text; without it the text is returned unchanged.
    """
    pieces: list[str] = []
    lines: dict[tuple[str, ...], int] = {}
    # One frame per open container: the key path of an object, or None inside an array.
    frames: list[tuple[str, ...] | None] = []
    line = 1
    last_string: str | None = None
    pending_key: str | None = None
    comma_at: int | None = None  # index in ``pieces`` of a comma that may be trailing
    for match in _TOKEN.finditer(text):
        token = match.group()
        group = match.lastgroup
        if group == "space":
            pieces.append(token)
            line += token.count("\n")
            continue
        if group in ("line_comment", "block_comment"):
            pieces.append("\n" * token.count("\n") if jsonc else token)
            line += token.count("\n")
            continue
        if comma_at is not None and jsonc and token in ("}", "]"):
            pieces[comma_at] = ""
        comma_at = None
        pieces.append(token)
        if group == "string":
            last_string = token
            continue
        if token == ":":
            pending_key = _key(last_string)
            where = frames[-1] if frames else None
            if pending_key is not None and where is not None and len(where) < max_key_depth:
                lines[(*where, pending_key)] = line
        elif token == "{":
            if not frames:
                frames.append(())
            else:
                where = frames[-1]
                key_path = None if where is None or pending_key is None else (*where, pending_key)
                frames.append(key_path)
        elif token == "[":
            frames.append(None)
        elif token in ("}", "]"):
            if frames:
                frames.pop()
        elif token == ",":
            comma_at = len(pieces) - 1
        if token != ":":
            pending_key = None
        last_string = None
    return Scan("".join(pieces) if jsonc else text, lines)


def _key(token: str | None) -> str | None:
    if token is None:
        return None
    try:
        key = json.loads(token)
    except ValueError:
        return None
    return key if isinstance(key, str) else None


def loads(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractionError(f"invalid JSON: {exc.msg}", exc.lineno) from exc
    except RecursionError as exc:
        raise ExtractionError("invalid JSON: nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise ExtractionError(f"invalid JSON: {exc}") from exc

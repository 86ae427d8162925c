"""TOML loading for Cargo files: every failure becomes one :class:`ExtractionError`."""

from __future__ import annotations

import re
import tomllib

from bastion.sca.extractors.base import ExtractionError

_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
# tomllib takes quadratic time over a dotted key (``a.b.c = 1``) in the number of its
# parts. Real manifests use a handful; this is far beyond them and far from slow.
MAX_DOTS_PER_LINE = 512


def load_toml(text: str) -> dict[str, object]:
    _check_dotted_keys(text)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _POSITION.search(str(exc))
        message = _POSITION.sub("", str(exc)).strip()
        raise ExtractionError(
            f"invalid TOML: {message}", int(position.group(1)) if position else None
        ) from exc
    except RecursionError as exc:
        raise ExtractionError("invalid TOML: nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer beyond Python's digit limit
        raise ExtractionError(f"invalid TOML: {exc}") from exc


def _check_dotted_keys(text: str) -> None:
    """Refuse lines with more dots outside quoted strings than any real key has."""
    for number, line in enumerate(text.split("\n"), start=1):
        # Only lines with many dots get a closer look: dots in strings are harmless.
        if line.count(".") > MAX_DOTS_PER_LINE and _bare_dots(line) > MAX_DOTS_PER_LINE:
            raise ExtractionError(
                f"invalid TOML: more than {MAX_DOTS_PER_LINE} dotted key parts on one line",
                number,
            )


def _bare_dots(line: str) -> int:
    """Dots outside "basic" and 'literal' strings and comments, in one linear pass."""
    dots = 0
    quote = ""
    escaped = False
    for char in line:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break  # a comment
        elif char == ".":
            dots += 1
    return dots

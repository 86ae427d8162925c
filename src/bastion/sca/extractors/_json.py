"""JSON loading for extractors: every failure becomes one :class:`ExtractionError`."""

from __future__ import annotations

import json
import re

from bastion.sca.extractors.base import ExtractionError


def load_json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractionError(f"invalid JSON: {exc.msg}", exc.lineno) from exc
    except RecursionError as exc:
        raise ExtractionError("invalid JSON: nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise ExtractionError(f"invalid JSON: {exc}") from exc


def kind(value: object) -> str:
    """How a JSON value is called in messages."""
    match value:
        case dict():
            return "an object"
        case list():
            return "an array"
        case str():
            return "a string"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case None:
            return "null"
        case _:
            return type(value).__name__


class OrderedKeyLines:
    """Lines of JSON strings matched by ``pattern`` (group 1: the raw string body), handed
    out in document order.

    Extractors ask for the entries of a parsed document in the order the text has them,
    so one scan of the text serves every lookup: each ``find`` moves forward past
    occurrences that are something else (an author's ``"name"``, a ``"dependencies"``
    map). A name that is not found (spelled with escapes, say) gets no line and does not
    move the cursor; after a few of those the rest get none, as every miss reads to the
    end of the list.
    """

    MAX_MISSES = 16

    def __init__(self, text: str, pattern: re.Pattern[str]) -> None:
        self._found: list[tuple[str, int]] = []
        line = 1
        position = 0
        for match in pattern.finditer(text):
            line += text.count("\n", position, match.start())
            position = match.start()
            self._found.append((_unescape(match.group(1)), line))
        self._next = 0
        self._misses = 0

    def find(self, key: str) -> int | None:
        if self._misses >= self.MAX_MISSES:
            return None
        for index in range(self._next, len(self._found)):
            name, line = self._found[index]
            if name == key:
                self._next = index + 1
                return line
        self._misses += 1
        return None


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    try:
        value = json.loads(f'"{body}"')
    except ValueError:
        return body
    return value if isinstance(value, str) else body

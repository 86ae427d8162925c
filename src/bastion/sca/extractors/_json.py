"""JSON loading for extractors: every failure becomes one :class:`ExtractionError`."""

from __future__ import annotations

import json

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

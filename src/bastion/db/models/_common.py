"""Helpers for declaring the models' constraints."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import CheckConstraint


def one_of(column: str, values: Iterable[StrEnum], name: str) -> CheckConstraint:
    """A CHECK that ``column`` holds one of the enum's values (a plain string column, so
    adding a value is a one-line migration on both databases, unlike a native ENUM)."""
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)

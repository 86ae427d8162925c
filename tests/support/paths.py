"""Where the reference data lives, relative to this repository (never a machine path)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """The project's reference data (`../shared` beside the repository), read-only."""
    path = REPO_ROOT.parent / "shared"
    if not path.is_dir():
        pytest.skip("reference data ../shared is not present")
    return path

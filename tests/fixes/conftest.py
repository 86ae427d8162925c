"""The API tests of fix pull requests reuse the server's app, databases and GitHub
stand-in; reports are stored by scanning through a stand-in executor."""

from __future__ import annotations

from tests.server.conftest import (
    client,
    engine,
    github,
    github_app_key,
    github_client,
    github_standin,
    make_client,
    token,
)

__all__ = [
    "client",
    "engine",
    "github",
    "github_app_key",
    "github_client",
    "github_standin",
    "make_client",
    "token",
]

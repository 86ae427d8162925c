"""The HTTP service (SPEC §2): app factory, error envelope, auth, health and metrics."""

from bastion.server.app import create_app
from bastion.server.settings import ServerSettings

__all__ = ["ServerSettings", "create_app"]

"""Errors of the advisory mirror, importable without pulling in the HTTP client."""


class SyncError(Exception):
    """A sync stopped; nothing was written."""

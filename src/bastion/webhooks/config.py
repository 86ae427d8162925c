"""What ``POST /webhook`` needs from the environment (SPEC §5)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bastion.github.settings import GitHubSettings

# GitHub caps webhook payloads at 25 MB and does not deliver larger ones.
MAX_BODY_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    # None: GITHUB_WEBHOOK_SECRET is unset, and no delivery can be verified.
    secret: bytes | None
    # SCAN_BASE_URL: where check runs link to (the server's public address).
    scan_base_url: str | None = None
    max_body_bytes: int = MAX_BODY_BYTES

    @classmethod
    def from_settings(cls, settings: GitHubSettings) -> WebhookConfig:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        base = (settings.scan_base_url or "").strip()
        parts = urlsplit(base)
        # A malformed URL is reported at start-up (GitHubSettings.problems); GitHub would
        # refuse every check run carrying it, so check runs go without one.
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
        # Stripped like the other settings: secrets mounted from files often end in "\n".
        return cls(secret.strip().encode() or None, base if usable else None)

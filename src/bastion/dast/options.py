"""Every knob of an app scan, in one place: the CLI builds it from its options, the
server (later) from a target's settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from bastion.dast.model import Headers
from bastion.dast.policy import ConnectPolicy


@dataclass(frozen=True, slots=True)
class LoginForm:
    """Authenticate by submitting a login form before crawling: the crawler fetches
    ``url``, fills the form that has a password field with these values (other fields
    keep their defaults, hidden CSRF tokens included) and keeps the session cookies."""

    url: str
    username: str
    password: str
    username_field: str | None = None  # guessed (user/login/email/name…) when None
    password_field: str | None = None  # the form's password input when None


@dataclass(frozen=True, slots=True)
class DastOptions:
    target: str
    # Scope: same origin as ``target`` by default; patterns are regular expressions
    # matched against the full URL.
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_depth: int = 10
    max_requests: int = 50_000
    max_pages: int = 5_000
    max_duration: float = 15 * 60.0  # seconds, whole scan; the report is printed anyway
    # Politeness.
    concurrency: int = 8
    requests_per_second: float = 200.0
    timeout: float = 10.0
    retries: int = 2
    max_response_bytes: int = 2 * 1024 * 1024
    # Stop when this many consecutive requests failed (connection errors, timeouts, 5xx).
    max_consecutive_failures: int = 50
    # Authentication.
    headers: Headers = ()
    cookies: Headers = ()
    login: LoginForm | None = None
    # Discovery.
    browser: bool = True  # used only when Chromium exists
    chromium_path: str = "/usr/bin/chromium"
    openapi: str | None = None  # file path or URL of an OpenAPI 3.x / Swagger 2.0 definition
    # Checks.
    passive: bool = True
    active: bool = True
    rules: tuple[str, ...] = ()  # rule ids to run; empty = all
    user_agent: str = "bastion-dast"
    # Server-side scans: the only hosts and addresses connections may go to (resolved
    # once, pinned). None, as in the CLI, connects wherever the URLs say.
    connect_policy: ConnectPolicy | None = None
    extra: dict[str, str] = field(default_factory=dict)

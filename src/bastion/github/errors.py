"""What can go wrong when bastion talks to GitHub, as SPEC §2 error codes.

Every error carries the ``code``, ``message`` and ``status_code`` the HTTP layer renders
into SPEC's envelope ``{"status": "error", "error": {"code", "message"}}``. ``message``
is safe to show to API callers; ``detail`` says what exactly happened, for logs and for
the CLI, and may name repositories or GitHub's own wording.
"""

from __future__ import annotations

from bastion.errors import BastionError


class GitHubError(BastionError):
    code = "github_error"
    status_code = 502
    default_message = "GitHub request failed"


class InvalidInstallation(GitHubError):
    """The App is not installed, the installation id is wrong, or it does not cover the repo."""

    code = "invalid_installation"
    status_code = 401
    default_message = "GitHub App is not installed on this repository"


class RepoNotFound(GitHubError):
    """The repository or the ref does not exist, or the installation cannot see it."""

    code = "repo_not_found"
    status_code = 404
    default_message = "Repository not found or not accessible"


class RepoTooLarge(GitHubError):
    """The archive exceeds the download or extraction limits; scanning it is refused."""

    code = "repo_too_large"
    status_code = 422
    default_message = "Repository archive exceeds the size limits"


class GitHubUnavailable(GitHubError):
    """GitHub failed, timed out or answered something unexpected, retries included."""

    code = "github_unavailable"
    status_code = 502
    default_message = "GitHub is unavailable, try again later"

    def __init__(
        self,
        message: str | None = None,
        *,
        detail: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, detail=detail)
        # Seconds a caller may put in a Retry-After header, when GitHub told us.
        self.retry_after = retry_after


class GitHubRateLimited(GitHubUnavailable):
    """GitHub's rate limit holds longer than we are willing to wait."""

    status_code = 503
    default_message = "GitHub rate limit exceeded, try again later"


class GitHubAuthFailed(GitHubUnavailable):
    """GitHub rejected the App's own credentials: a server configuration problem.

    Reported as ``github_unavailable`` because the caller can do nothing about it;
    ``detail`` tells the operator to check ``GITHUB_APP_ID`` and ``GITHUB_PRIVATE_KEY``.
    """

    default_message = "GitHub rejected the App's credentials"

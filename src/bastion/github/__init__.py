"""GitHub App access: authentication, repository checks, tarball download and extraction."""

from bastion.github.app import AppAuth, InstallationToken, TokenCache
from bastion.github.archive import (
    ArchiveError,
    ArchiveLimitExceeded,
    ArchiveLimits,
    ExtractionReport,
    SkippedMember,
    extract_tarball,
)
from bastion.github.client import Checkout, ClientOptions, GitHubClient
from bastion.github.errors import (
    GitHubAuthFailed,
    GitHubError,
    GitHubRateLimited,
    GitHubUnavailable,
    InvalidInstallation,
    RepoNotFound,
    RepoTooLarge,
)
from bastion.github.metrics import ApiCallCounter
from bastion.github.settings import (
    AppCredentials,
    GitHubConfigError,
    GitHubSettings,
    get_github_settings,
    validate_github_settings,
)

__all__ = [
    "ApiCallCounter",
    "AppAuth",
    "AppCredentials",
    "ArchiveError",
    "ArchiveLimitExceeded",
    "ArchiveLimits",
    "Checkout",
    "ClientOptions",
    "ExtractionReport",
    "GitHubAuthFailed",
    "GitHubClient",
    "GitHubConfigError",
    "GitHubError",
    "GitHubRateLimited",
    "GitHubSettings",
    "GitHubUnavailable",
    "InstallationToken",
    "InvalidInstallation",
    "RepoNotFound",
    "RepoTooLarge",
    "SkippedMember",
    "TokenCache",
    "extract_tarball",
    "get_github_settings",
    "validate_github_settings",
]

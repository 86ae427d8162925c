"""What target creation and scan jobs need from the instance's configuration: the
allow-list, the key for stored secrets, and the budget of one scan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bastion.dast.policy import AllowList, Resolver, TargetPolicy, resolve_host
from bastion.jobs.base import ResourceKey, Resources
from bastion.secrets import SecretBox
from bastion.settings import get_settings

if TYPE_CHECKING:
    # Only for annotations: importing bastion.server imports the app, whose routes
    # import this module (workers load it through the job registry).
    from bastion.server.settings import ServerSettings

# One server-side scan's budget. The job's time limit is derived from it, so settings
# may lower these but never raise them.
SCAN_MAX_DURATION = 15 * 60.0
SCAN_MAX_REQUESTS = 50_000
SCAN_CONCURRENCY = 8


@dataclass(frozen=True, slots=True)
class DastSettings:
    allow_list: AllowList
    secrets: SecretBox
    resolver: Resolver = resolve_host
    max_duration: float = SCAN_MAX_DURATION
    max_requests: int = SCAN_MAX_REQUESTS
    concurrency: int = SCAN_CONCURRENCY
    # Seconds between progress writes while a scan runs.
    progress_interval: float = 2.0

    def policy(self) -> TargetPolicy:
        """A fresh policy: allow-listed names are resolved again, once per use."""
        return TargetPolicy(self.allow_list, resolver=self.resolver)

    @classmethod
    def from_server_settings(cls, settings: ServerSettings) -> DastSettings:
        """Raises InvalidAllowList or SecretKeyError with a message for the operator."""
        return cls(
            allow_list=AllowList.parse(settings.dast_allowed_networks),
            secrets=SecretBox.from_setting(settings.secret_key, get_settings().data_dir),
        )


# Workers given this resource use it (tests, embedded workers of a configured app);
# others (Celery, `bastion worker`) read the environment, as the server does.
DAST_SETTINGS: ResourceKey[DastSettings] = ResourceKey("DAST settings")


def worker_dast_settings(resources: Resources) -> DastSettings:
    if DAST_SETTINGS in resources:
        return resources.get(DAST_SETTINGS)
    from bastion.server.settings import ServerSettings  # noqa: PLC0415 - see above

    return DastSettings.from_server_settings(ServerSettings())

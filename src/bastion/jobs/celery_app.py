"""``celery -A bastion.jobs.celery_app worker --pool threads``: the Celery app built from
the environment (REDIS_URL), for running workers with Celery's own command line.

``bastion worker`` with ``BASTION_QUEUE=celery`` is the supported way and does the same
programmatically; this module exists so operators can use Celery tooling (inspect, purge,
flower) against the same app.
"""

from __future__ import annotations

from typing import Any

from bastion.jobs.base import JobError
from bastion.jobs.celery_backend import CeleryRunner, install_runner, make_celery_app
from bastion.jobs.settings import JobSettings

_settings = JobSettings()
if not _settings.redis_url:
    raise JobError("bastion.jobs.celery_app needs REDIS_URL (the Celery broker)")

app: Any = make_celery_app(_settings.redis_url)


def _install_default_runner(**_kwargs: object) -> None:
    """Under ``celery worker``, build what ``bastion worker`` would: the configured
    database and the scan executor talking to GitHub."""
    from bastion.cli.state import open_engine  # noqa: PLC0415
    from bastion.github.client import GitHubClient  # noqa: PLC0415
    from bastion.github.settings import GitHubSettings  # noqa: PLC0415
    from bastion.scans.executor import scan_resources  # noqa: PLC0415

    github = GitHubClient.from_settings(GitHubSettings())
    runner = CeleryRunner(
        app,
        open_engine(),
        resources=scan_resources(github, scan_processes=_settings.resolved_scan_processes),
        slots=_settings.worker_threads,
    )
    install_runner(runner)
    runner.start()


def _connect() -> None:
    from celery.signals import worker_init  # type: ignore[import-untyped]  # noqa: PLC0415

    worker_init.connect(_install_default_runner, weak=False)


_connect()

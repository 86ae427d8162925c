"""A real Celery worker in a process of its own, running ``sca.scan`` with a test executor.

``python -m tests.jobs.celery_worker_process EXECUTOR DIR LEASE TIME_LIMIT CONCURRENCY``
with ``DATABASE_URL``, ``REDIS_URL`` and ``BASTION_WORKERS`` in the environment. It calls
the same :func:`~bastion.jobs.celery_backend.run_worker` as ``bastion worker`` does with
``BASTION_QUEUE=celery``; only the scan executor (no GitHub) and the limits differ.

Executors: ``instant`` returns a result at once; ``block`` writes ``DIR/started`` and
never returns; ``slow`` records when each scan ran (``DIR/<job id>``) and takes a second.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
from pathlib import Path

from bastion.db.engine import make_engine
from bastion.jobs.base import JobContext, Resources, load_registry
from bastion.jobs.celery_backend import run_worker
from bastion.jobs.settings import JobSettings
from bastion.models import ScanResult
from bastion.scans.jobs import SCAN_EXECUTOR, SCAN_JOB, ScanExecutor
from bastion.scans.schemas import ScanTarget
from tests.scans.support import Blocking, instant, vulnerable_result

SLOW_SECONDS = 1.0


class Slow:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __call__(self, _target: ScanTarget, ctx: JobContext) -> ScanResult:
        started = time.time()
        time.sleep(SLOW_SECONDS)
        (self.directory / ctx.job_id).write_text(f"{started} {time.time()}")
        return vulnerable_result()


def main() -> None:
    executor_name, directory, lease, time_limit, concurrency_limit = sys.argv[1:]
    logging.basicConfig(level=logging.INFO)
    executors: dict[str, ScanExecutor] = {
        "instant": instant,
        "block": Blocking(Path(directory) / "started"),
        "slow": Slow(Path(directory)),
    }
    registry = load_registry().copy()
    registry.specs[SCAN_JOB] = dataclasses.replace(
        registry.get(SCAN_JOB), time_limit=float(time_limit)
    )
    code = run_worker(
        make_engine(os.environ["DATABASE_URL"]),
        JobSettings(),
        registry=registry,
        resources=Resources({SCAN_EXECUTOR: executors[executor_name]}),
        lease_seconds=float(lease),
        concurrency_limit=int(concurrency_limit),
        poll_interval=0.2,
    )
    sys.exit(code)


if __name__ == "__main__":
    main()

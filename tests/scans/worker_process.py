"""A worker in a process of its own, for the test that kills one with SIGKILL mid-scan.

``python -m tests.scans.worker_process DATABASE_URL MARKER WORKER_ID LEASE_SECONDS``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bastion.db.engine import make_engine
from bastion.jobs.base import Resources, load_registry
from bastion.jobs.store import JobStore
from bastion.jobs.worker import Worker
from bastion.scans.jobs import SCAN_EXECUTOR
from tests.scans.support import Blocking


def main() -> None:
    url, marker, worker_id, lease = sys.argv[1:]
    registry = load_registry()
    worker = Worker(
        JobStore(make_engine(url), registry=registry),
        registry,
        worker_id=worker_id,
        resources=Resources({SCAN_EXECUTOR: Blocking(Path(marker))}),
        lease_seconds=float(lease),
    )
    while worker.run_once() is None:
        time.sleep(0.05)


if __name__ == "__main__":
    main()

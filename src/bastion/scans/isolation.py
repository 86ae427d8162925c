"""Scanning a checked-out tree in worker processes instead of the worker's own thread.

Parsing lockfiles and matching advisories is pure Python and holds the GIL for long
stretches. Run on a thread of ``bastion serve`` (the embedded workers), it starved the
event loop and the request threads: at 100 requests/s with scans running beside them,
``POST /api/scan`` answered in seconds instead of milliseconds. In processes of their own,
scans compete for the cores through the OS scheduler, which shares them fairly, and the
server's GIL stays with the requests. The job itself (lease, time limit, storing the
result) stays on the worker thread; only the CPU-bound step crosses over.

The processes also run at a lower priority (``nice``): a scan finishing a second later is
invisible, a request waiting behind four CPU-bound scans on two cores is not.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from sqlalchemy import Engine

from bastion.advisories.store import LocalMirror
from bastion.sca.scanner import scan_path
from bastion.scans.jobs import RenderedScan, render_sbom

log = logging.getLogger(__name__)

# Added to the scan processes' niceness: at 10, Linux's scheduler gives a normal process
# about nine times their share of a contended core.
SCAN_NICENESS = 10

# Engines of a scan process, one per database URL, kept for the process's lifetime so each
# scan reuses its connections.
_engines: dict[str, Engine] = {}


class ScanProcessDied(RuntimeError):
    """A scan process ended abruptly (killed, out of memory); the job retries."""


def shares_database(engine: Engine) -> bool:
    """Whether another process can open the same database (not an in-memory SQLite)."""
    database = engine.url.database
    return engine.dialect.name != "sqlite" or bool(database and database != ":memory:")


def _lower_priority() -> None:
    try:
        os.nice(SCAN_NICENESS)
    except OSError:  # not permitted here: scans still run, at normal priority
        log.debug("could not lower the scan processes' priority")


def _scan_tree(tree: str, database_url: str) -> RenderedScan:
    from bastion.db.engine import make_engine  # noqa: PLC0415 - in the child only

    engine = _engines.get(database_url)
    if engine is None:
        engine = _engines[database_url] = make_engine(database_url)
    result = scan_path(Path(tree), LocalMirror(engine))
    # Rendering the SBOM costs about as much CPU as the scan: it belongs here too.
    return RenderedScan(result, render_sbom(result))


class ScanProcesses:
    """A pool of scan processes, started on first use."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def scan(self, tree: Path, engine: Engine) -> RenderedScan:
        url = engine.url.render_as_string(hide_password=False)
        pool = self._get_pool()
        try:
            return pool.submit(_scan_tree, str(tree), url).result()
        except BrokenProcessPool as exc:
            self._discard(pool)
            raise ScanProcessDied("the scan process ended abruptly") from exc

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _get_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # forkserver, not fork: forking a process with running threads (uvicorn,
                # workers, lease renewals) can copy a lock another thread holds.
                self._pool = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_lower_priority,
                )
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)
        log.warning("scan process pool broken; a new one starts with the next scan")

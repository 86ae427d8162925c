"""Periodic progress reports while a scan runs, for the CLI's live display.

The callback is the caller's code (a terminal display): a failure there must neither
stop the scan nor repeat on every tick in the logs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bastion.dast.model import ScanStats

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[ScanStats, int], None]
DEFAULT_INTERVAL = 0.5


class ProgressReporter:
    def __init__(
        self,
        callback: ProgressCallback | None,
        stats: ScanStats,
        findings: Callable[[], int],
        *,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self._callback = callback
        self._stats = stats
        self._findings = findings
        self._interval = interval
        self._broken = False

    def report(self) -> None:
        if self._callback is None or self._broken:
            return
        try:
            self._callback(self._stats, self._findings())
        except Exception:
            self._broken = True
            logger.warning("progress display failed; continuing without it", exc_info=True)

    async def run(self) -> None:
        """Report every ``interval`` seconds until cancelled."""
        if self._callback is None:
            return
        while True:
            self.report()
            await asyncio.sleep(self._interval)

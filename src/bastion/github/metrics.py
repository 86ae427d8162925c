"""Counts of GitHub API calls by operation and outcome.

Kept free of any metrics library: the server subscribes a Prometheus counter with
``counter.subscribe(lambda op, status: METRIC.labels(op, status).inc())``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

Listener = Callable[[str, str], None]

# The status label of a call that got no HTTP answer (refused, reset, timed out).
NETWORK_ERROR = "network_error"


class ApiCallCounter:
    """Thread-safe tally of ``(operation, status)`` pairs, with listeners."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def record(self, operation: str, status: str) -> None:
        with self._lock:
            self._counts[(operation, status)] += 1
            listeners = list(self._listeners)
        for listener in listeners:
            listener(operation, status)

    def snapshot(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)

    def total(self, *, operation: str | None = None, status: str | None = None) -> int:
        with self._lock:
            return sum(
                n
                for (op, st), n in self._counts.items()
                if (operation is None or op == operation) and (status is None or st == status)
            )

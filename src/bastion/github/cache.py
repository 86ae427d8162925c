"""Short-lived memory of GitHub's answers for ``POST /api/scan``.

A CI pipeline asks for a scan of the same repository (often the same ref) on every push
and every job; asking GitHub twice per request costs the request most of its latency and
spends the App's API budget. Only successes are remembered, and each entry is keyed by
installation, so one installation's access is never lent to another:

* the installation check (``installation_id`` covers ``owner/repo``) for
  ``installation_ttl`` seconds: access changes rarely, and the job that runs the scan
  checks again without the cache, so a revoked installation queues at most a failing job;
* a branch or tag's commit for ``ref_ttl`` seconds: a push moves it, and a scan of a
  commit a few seconds old is what the caller would have got had it asked a moment
  earlier; a full sha names the same commit forever, so it lasts ``installation_ttl``.

Any refusal from GitHub for a repository forgets what was remembered about it (the whole
installation when the installation itself was refused), so the next request asks again.

Two things keep GitHub's latency out of the request path. Concurrent misses for one key
share one GitHub call (a burst of pipelines on one commit, or a cold start, would
otherwise send one call each and queue behind them all). And an entry used in the last
fifth of its lifetime is refreshed in the background while the request goes on with the
current answer, so under steady traffic no request waits for GitHub at all; without that,
every request arriving during the refresh of a 5-second ref entry waited a full round
trip, which alone put a busy server's 99th percentile over its target.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Protocol

from bastion.github.errors import GitHubAuthFailed, InvalidInstallation, RepoNotFound

DEFAULT_INSTALLATION_TTL = 300.0
DEFAULT_REF_TTL = 5.0
DEFAULT_MAX_ENTRIES = 4096
# The share of an entry's lifetime at whose end a use refreshes it in the background.
REFRESH_AHEAD = 0.2

log = logging.getLogger(__name__)

# Runs a background refresh; tests pass one that defers or runs inline.
Runner = Callable[[Callable[[], None]], object]

_FULL_SHA_LENGTHS = (40, 64)
_HEX = frozenset("0123456789abcdefABCDEF")


class RepoAccess(Protocol):
    """What the cache needs of :class:`~bastion.github.client.GitHubClient`."""

    def check_installation(self, installation_id: int, owner: str, repo: str) -> None: ...

    def resolve_ref(self, installation_id: int, owner: str, repo: str, ref: str) -> str: ...


_Repo = tuple[int, str, str]


class _TtlLru:
    """A bounded mapping whose entries expire; thread-safe."""

    def __init__(self, max_entries: int, clock: Callable[[], float]) -> None:
        self._max = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (refresh due at, expires at, value)
        self._entries: OrderedDict[Hashable, tuple[float, float, str]] = OrderedDict()

    def get(self, key: Hashable) -> tuple[str, bool] | None:
        """The value and whether it is due for a refresh; None when absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            refresh_at, expires, value = entry
            now = self._clock()
            if now >= expires:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value, now >= refresh_at

    def put(self, key: Hashable, value: str, ttl: float) -> None:
        if ttl <= 0 or self._max <= 0:
            return
        with self._lock:
            now = self._clock()
            self._entries[key] = (now + ttl * (1 - REFRESH_AHEAD), now + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def discard(self, matches: Callable[[Hashable], bool]) -> None:
        with self._lock:
            for key in [key for key in self._entries if matches(key)]:
                del self._entries[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class _Flights:
    """At most one GitHub call per key at a time; callers that find one running wait for
    its answer (or its error) instead of sending their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[Hashable, Future[str]] = {}

    def join(self, key: Hashable) -> tuple[Future[str], bool]:
        """The call's future, and whether the caller leads it (must run it)."""
        with self._lock:
            running = self._running.get(key)
            if running is not None:
                return running, False
            future: Future[str] = Future()
            self._running[key] = future
            return future, True

    def lead(self, key: Hashable, future: Future[str], call: Callable[[], str]) -> str:
        try:
            value = call()
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(value)
            return value
        finally:
            with self._lock:
                self._running.pop(key, None)

    def abandon(self, key: Hashable, future: Future[str], error: BaseException) -> None:
        """End a call that could not be started."""
        future.set_exception(error)
        with self._lock:
            self._running.pop(key, None)


class RepoAccessCache:
    """``check_installation`` and ``resolve_ref`` of ``github``, remembered briefly."""

    def __init__(
        self,
        github: RepoAccess,
        *,
        installation_ttl: float = DEFAULT_INSTALLATION_TTL,
        ref_ttl: float = DEFAULT_REF_TTL,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
        runner: Runner | None = None,
    ) -> None:
        self.github = github
        self.installation_ttl = installation_ttl
        self.ref_ttl = ref_ttl
        # Two maps: a burst of distinct refs must not evict the installation checks.
        self._installations = _TtlLru(max_entries, clock)
        self._refs = _TtlLru(max_entries, clock)
        self._flights = _Flights()
        self._runner = runner
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()

    def check_installation(self, installation_id: int, owner: str, repo: str) -> None:
        key = _repo_key(installation_id, owner, repo)

        def ask() -> str:
            self.github.check_installation(installation_id, owner, repo)
            return ""

        self._get(self._installations, key, key, self.installation_ttl, ask)

    def resolve_ref(self, installation_id: int, owner: str, repo: str, ref: str) -> str:
        repo_key = _repo_key(installation_id, owner, repo)
        # Refs are case-sensitive (branch "Main" is not "main"); only the repo is folded.
        key = (*repo_key, ref)
        ttl = self.installation_ttl if _is_full_sha(ref) else self.ref_ttl

        def ask() -> str:
            return self.github.resolve_ref(installation_id, owner, repo, ref)

        return self._get(self._refs, key, repo_key, ttl, ask)

    def close(self) -> None:
        """Stop the background refreshes (waits for a running one)."""
        with self._executor_lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _get(
        self,
        table: _TtlLru,
        key: tuple[int, str, str] | tuple[int, str, str, str],
        repo_key: _Repo,
        ttl: float,
        ask: Callable[[], str],
    ) -> str:
        found = table.get(key)
        if found is not None:
            value, due = found
            if due:
                self._refresh_in_background(table, key, repo_key, ttl, ask)
            return value
        future, leader = self._flights.join((id(table), key))
        if not leader:
            return future.result()
        return self._flights.lead(
            (id(table), key), future, self._asker(table, key, repo_key, ttl, ask)
        )

    def _asker(
        self,
        table: _TtlLru,
        key: Hashable,
        repo_key: _Repo,
        ttl: float,
        ask: Callable[[], str],
    ) -> Callable[[], str]:
        def call() -> str:
            with self._forgetting_on_refusal(repo_key):
                value = ask()
            # Stored before the flight ends, so no caller in between misses again.
            table.put(key, value, ttl)
            return value

        return call

    def _refresh_in_background(
        self,
        table: _TtlLru,
        key: Hashable,
        repo_key: _Repo,
        ttl: float,
        ask: Callable[[], str],
    ) -> None:
        flight = (id(table), key)
        future, leader = self._flights.join(flight)
        if not leader:
            return  # one is already on its way
        call = self._asker(table, key, repo_key, ttl, ask)

        def refresh() -> None:
            try:
                self._flights.lead(flight, future, call)
            except Exception as exc:
                # Nobody waits for this answer. A refusal has already forgotten the entry;
                # an outage keeps it until it expires, and the next use asks again.
                log.debug("background refresh of %r failed: %s", key, exc)

        try:
            self._run(refresh)
        except RuntimeError as exc:  # the executor was shut down
            self._flights.abandon(flight, future, exc)

    def _run(self, task: Callable[[], None]) -> None:
        if self._runner is not None:
            self._runner(task)
            return
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=2, thread_name_prefix="github-refresh"
                )
            self._executor.submit(task)

    def forget_installation(self, installation_id: int) -> None:
        """Drop everything remembered about ``installation_id`` (e.g. it was uninstalled)."""

        def matches(key: Hashable) -> bool:
            return isinstance(key, tuple) and key[0] == installation_id

        self._installations.discard(matches)
        self._refs.discard(matches)

    def forget_repo(self, installation_id: int, owner: str, repo: str) -> None:
        target = _repo_key(installation_id, owner, repo)

        def matches(key: Hashable) -> bool:
            return isinstance(key, tuple) and key[:3] == target

        self._installations.discard(matches)
        self._refs.discard(matches)

    def entries(self) -> int:
        """How many answers are remembered (for tests and metrics)."""
        return len(self._installations) + len(self._refs)

    @contextmanager
    def _forgetting_on_refusal(self, key: _Repo) -> Iterator[None]:
        # A GitHub outage (5xx, rate limit) says nothing about access and forgets nothing;
        # refused App credentials may mean the App was reconfigured: forget like a refusal.
        try:
            yield
        except (InvalidInstallation, GitHubAuthFailed):
            self.forget_installation(key[0])
            raise
        except RepoNotFound:
            self.forget_repo(*key)
            raise


def _repo_key(installation_id: int, owner: str, repo: str) -> _Repo:
    # GitHub owner and repository names are case-insensitive.
    return (installation_id, owner.lower(), repo.lower())


def _is_full_sha(ref: str) -> bool:
    return len(ref) in _FULL_SHA_LENGTHS and all(char in _HEX for char in ref)

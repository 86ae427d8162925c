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
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Protocol

from bastion.github.errors import GitHubAuthFailed, InvalidInstallation, RepoNotFound

DEFAULT_INSTALLATION_TTL = 300.0
DEFAULT_REF_TTL = 5.0
DEFAULT_MAX_ENTRIES = 4096

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
        self._entries: OrderedDict[Hashable, tuple[float, str]] = OrderedDict()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if self._clock() >= expires:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: str, ttl: float) -> None:
        if ttl <= 0 or self._max <= 0:
            return
        with self._lock:
            self._entries[key] = (self._clock() + ttl, value)
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
    ) -> None:
        self.github = github
        self.installation_ttl = installation_ttl
        self.ref_ttl = ref_ttl
        # Two maps: a burst of distinct refs must not evict the installation checks.
        self._installations = _TtlLru(max_entries, clock)
        self._refs = _TtlLru(max_entries, clock)

    def check_installation(self, installation_id: int, owner: str, repo: str) -> None:
        key = _repo_key(installation_id, owner, repo)
        if self._installations.get(key) is not None:
            return
        with self._forgetting_on_refusal(key):
            self.github.check_installation(installation_id, owner, repo)
        self._installations.put(key, "", self.installation_ttl)

    def resolve_ref(self, installation_id: int, owner: str, repo: str, ref: str) -> str:
        repo_key = _repo_key(installation_id, owner, repo)
        # Refs are case-sensitive (branch "Main" is not "main"); only the repo is folded.
        key = (*repo_key, ref)
        sha = self._refs.get(key)
        if sha is not None:
            return sha
        with self._forgetting_on_refusal(repo_key):
            sha = self.github.resolve_ref(installation_id, owner, repo, ref)
        self._refs.put(key, sha, self.installation_ttl if _is_full_sha(ref) else self.ref_ttl)
        return sha

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

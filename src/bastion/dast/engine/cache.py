"""Responses the crawl already fetched, reused as probe baselines.

Most scan inputs are pages the crawler just downloaded; asking for them again before
probing doubles the crawl's traffic for nothing. The cache is bounded in bytes so a
site of large pages cannot exhaust memory: past the bound, baselines are fetched again.
"""

from __future__ import annotations

from bastion.dast.model import Exchange, HttpRequest, HttpResponse

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# One huge page should not evict the usefulness of the cache for thousands of small ones.
MAX_ENTRY_BYTES = 1024 * 1024

CacheKey = tuple[str, str, bytes]


def cache_key(request: HttpRequest) -> CacheKey:
    return (request.method.upper(), request.url, request.body)


class ResponseCache:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._entries: dict[CacheKey, HttpResponse] = {}
        self.enabled = True

    def __len__(self) -> int:
        return len(self._entries)

    def remember(self, exchange: Exchange) -> None:
        """Keep a complete, successful answer while there is room and the cache is on."""
        response = exchange.response
        if not self.enabled or response.truncated or not 200 <= response.status < 300:
            return
        size = len(response.body) + len(exchange.request.url) + len(exchange.request.body)
        if size > MAX_ENTRY_BYTES or self._bytes + size > self._max_bytes:
            return
        key = cache_key(exchange.request)
        if key in self._entries:
            return
        self._entries[key] = response
        self._bytes += size

    def take(self, request: HttpRequest) -> HttpResponse | None:
        """The cached answer to ``request``, removed from the cache: each input is
        probed once, and its baseline then lives with its probes only."""
        response = self._entries.pop(cache_key(request), None)
        if response is not None:
            self._bytes -= len(response.body) + len(request.url) + len(request.body)
        return response

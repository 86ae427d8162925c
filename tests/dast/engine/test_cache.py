from __future__ import annotations

from bastion.dast.engine.cache import MAX_ENTRY_BYTES, ResponseCache
from bastion.dast.model import Exchange, HttpRequest, HttpResponse


def exchange(url: str, body: bytes = b"ok", status: int = 200, truncated: bool = False) -> Exchange:
    response = HttpResponse(url, status, (), body, 0.01, truncated=truncated)
    return Exchange(HttpRequest("GET", url), response)


def test_a_cached_answer_is_taken_once() -> None:
    cache = ResponseCache()
    cache.remember(exchange("http://h/a"))
    assert cache.take(HttpRequest("GET", "http://h/a")) is not None
    assert cache.take(HttpRequest("GET", "http://h/a")) is None
    assert cache.take(HttpRequest("POST", "http://h/a")) is None


def test_only_complete_successful_answers_within_bounds_are_kept() -> None:
    cache = ResponseCache(max_bytes=100)
    cache.remember(exchange("http://h/error", status=500))
    cache.remember(exchange("http://h/cut", truncated=True))
    cache.remember(exchange("http://h/big", body=b"x" * (MAX_ENTRY_BYTES + 1)))
    cache.remember(exchange("http://h/fits", body=b"x" * 50))
    cache.remember(exchange("http://h/over", body=b"x" * 50))
    assert len(cache) == 1
    assert cache.take(HttpRequest("GET", "http://h/fits")) is not None
    cache.remember(exchange("http://h/over", body=b"x" * 50))
    assert len(cache) == 1, "taking an entry frees its room"


def test_a_disabled_cache_keeps_nothing() -> None:
    cache = ResponseCache()
    cache.enabled = False
    cache.remember(exchange("http://h/a"))
    assert len(cache) == 0

"""The per-installation sliding window, shared through the database."""

from __future__ import annotations

import threading
from datetime import timedelta

from bastion.jobs.ratelimit import FIX_REQUESTS, SCAN_REQUESTS, RateLimit, RateLimiter
from tests.support.clock import FakeClock
from tests.support.databases import Database

KEY = "scan:7"


def test_sixty_an_hour_then_retry_after_the_oldest_leaves(database: Database) -> None:
    clock = FakeClock()
    limiter = RateLimiter(database.engine(), clock=clock)
    for n in range(60):
        decision = limiter.hit(KEY, SCAN_REQUESTS)
        assert decision.allowed
        assert decision.remaining == 59 - n
        assert decision.retry_after == 0
        clock.advance(10)  # the window now spans 600 s of requests
    refused = limiter.hit(KEY, SCAN_REQUESTS)
    assert not refused.allowed
    assert refused.remaining == 0
    # The first request was 600 s ago: it leaves the window in 3000 s.
    assert refused.retry_after == 3000

    clock.advance(2999.5)
    still = limiter.hit(KEY, SCAN_REQUESTS)
    assert not still.allowed
    assert still.retry_after == 1  # rounded up, never 0 for a refusal
    clock.advance(0.5)
    assert limiter.hit(KEY, SCAN_REQUESTS).allowed
    # The slot just freed is taken again; the next frees 10 s after the first did.
    again = limiter.hit(KEY, SCAN_REQUESTS)
    assert not again.allowed
    assert again.retry_after == 10


def test_refused_requests_do_not_extend_the_wait(database: Database) -> None:
    clock = FakeClock()
    limiter = RateLimiter(database.engine(), clock=clock)
    rule = RateLimit(2, timedelta(minutes=1))
    assert limiter.hit(KEY, rule).allowed
    assert limiter.hit(KEY, rule).allowed
    for _ in range(30):
        clock.advance(1)
        assert not limiter.hit(KEY, rule).allowed
    clock.advance(30)
    assert limiter.hit(KEY, rule).allowed


def test_keys_and_rules_are_independent(database: Database) -> None:
    clock = FakeClock()
    limiter = RateLimiter(database.engine(), clock=clock)
    for _ in range(10):
        assert limiter.hit("fix:7", FIX_REQUESTS).allowed
    assert not limiter.hit("fix:7", FIX_REQUESTS).allowed
    assert limiter.hit("fix:8", FIX_REQUESTS).allowed
    assert limiter.hit("scan:7", SCAN_REQUESTS).allowed


def test_the_limit_holds_across_processes(database: Database) -> None:
    """Two engines stand for two server processes: one budget between them."""
    clock = FakeClock()
    first = RateLimiter(database.engine(), clock=clock)
    second = RateLimiter(database.engine(), clock=clock)
    allowed = 0
    for n in range(80):
        limiter = first if n % 2 else second
        allowed += limiter.hit(KEY, SCAN_REQUESTS).allowed
    assert allowed == 60
    refused = first.hit(KEY, SCAN_REQUESTS)
    assert not refused.allowed
    assert refused.retry_after == 3600


def test_simultaneous_requests_never_exceed_the_limit(database: Database) -> None:
    clock = FakeClock()
    limiters = [RateLimiter(database.engine(), clock=clock) for _ in range(2)]
    barrier = threading.Barrier(8)
    results: list[bool] = []
    lock = threading.Lock()

    def hammer(limiter: RateLimiter) -> None:
        barrier.wait()
        for _ in range(10):
            decision = limiter.hit(KEY, SCAN_REQUESTS)
            with lock:
                results.append(decision.allowed)

    threads = [threading.Thread(target=hammer, args=(limiters[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 80
    assert sum(results) == 60


def test_reset_clears_a_key(database: Database) -> None:
    clock = FakeClock()
    limiter = RateLimiter(database.engine(), clock=clock)
    rule = RateLimit(1)
    assert limiter.hit(KEY, rule).allowed
    assert not limiter.hit(KEY, rule).allowed
    limiter.reset(KEY)
    assert limiter.hit(KEY, rule).allowed


def test_a_zero_limit_refuses_everything(database: Database) -> None:
    limiter = RateLimiter(database.engine(), clock=FakeClock())
    refused = limiter.hit(KEY, RateLimit(0, timedelta(minutes=5)))
    assert not refused.allowed
    assert refused.retry_after == 300

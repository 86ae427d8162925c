"""Per-installation request limits (SPEC §2: 60 scan requests and 10 fix requests an hour),
held in the database so they bind across every server process.

A sliding window: a request is allowed when fewer than ``limit`` requests were accepted
in the ``window`` before it. Unlike a fixed hourly window this allows no burst of twice
the limit around the hour, and ``retry_after`` is exact: the moment the oldest request
that still counts leaves the window. Refused requests are not recorded, so a client
that keeps retrying is not locked out for longer.

The check and the insert must not interleave with another process's: SQLite's
``BEGIN IMMEDIATE`` serialises them, on PostgreSQL a transaction-scoped advisory lock
on the key does (so different installations never wait on each other).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, delete, func, select

from bastion.clock import Clock, utcnow
from bastion.db.models.ratelimit import RateLimitEvent
from bastion.db.session import write_session


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int
    window: timedelta = timedelta(hours=1)


SCAN_REQUESTS = RateLimit(60)
FIX_REQUESTS = RateLimit(10)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    # Requests still allowed in the current window after this one.
    remaining: int
    # Whole seconds until a request would be allowed; 0 when this one was.
    retry_after: int


def installation_key(action: str, installation_id: int) -> str:
    """``scan:12345``: one budget per action and installation."""
    return f"{action}:{installation_id}"


class RateLimiter:
    def __init__(self, engine: Engine, *, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def hit(self, key: str, rule: RateLimit) -> Decision:
        """Count one request against ``key`` if the limit allows it."""
        now = self.clock()
        start = now - rule.window
        with write_session(self.engine) as session:
            if self.engine.dialect.name == "postgresql":
                session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
            # Only this key's expired rows: cheap on the (key, at) index, keeps it small.
            session.execute(
                delete(RateLimitEvent).where(RateLimitEvent.key == key, RateLimitEvent.at <= start)
            )
            # A count on the (key, at) index: cheap however high the limit is set.
            in_window = session.scalar(
                select(func.count())
                .select_from(RateLimitEvent)
                .where(RateLimitEvent.key == key, RateLimitEvent.at > start)
            )
            count = int(in_window or 0)
            if count < rule.limit:
                session.add(RateLimitEvent(key=key, at=now))
                return Decision(True, rule.limit - count - 1, 0)
            if rule.limit <= 0:  # nothing is ever allowed
                return Decision(False, 0, max(1, math.ceil(rule.window.total_seconds())))
            # The limit-th newest request is the one whose expiry brings the count under it.
            oldest_counted = session.scalars(
                select(RateLimitEvent.at)
                .where(RateLimitEvent.key == key, RateLimitEvent.at > start)
                .order_by(RateLimitEvent.at.desc())
                .offset(rule.limit - 1)
                .limit(1)
            ).one()
        frees_up = oldest_counted + rule.window - now
        return Decision(False, 0, max(1, math.ceil(frees_up.total_seconds())))

    def reset(self, key: str) -> None:
        with write_session(self.engine) as session:
            session.execute(delete(RateLimitEvent).where(RateLimitEvent.key == key))

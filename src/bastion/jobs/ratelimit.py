"""Per-installation request limits (SPEC §2: 60 scan requests and 10 fix requests an hour),
held in the database so they bind across every server process.

A sliding window: a request is allowed when fewer than ``limit`` requests were accepted
in the ``window`` before it. Unlike a fixed hourly window this allows no burst of twice
the limit around the hour, and ``retry_after`` is exact: the moment the oldest request
that still counts leaves the window. Refused requests are not recorded, so a client
that keeps retrying is not locked out for longer.

The check and the insert must not interleave with another process's: SQLite's
``BEGIN IMMEDIATE`` serialises them; on PostgreSQL the function of migration 0003 does
both under a transaction-scoped advisory lock on the key (so different installations
never wait on each other), in one autocommit statement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, bindparam, delete, func, select

from bastion.clock import Clock, utcnow
from bastion.db.models.ratelimit import RateLimitEvent
from bastion.db.session import read_session, write_session
from bastion.db.types import UTCDateTime


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
        if self.engine.dialect.name == "postgresql":
            count = self._hit_postgresql(key, now, start, rule.limit)
        else:
            count = self._hit_sqlite(key, now, start, rule.limit)
        if count < rule.limit:
            return Decision(True, rule.limit - count - 1, 0)
        if rule.limit <= 0:  # nothing is ever allowed
            return Decision(False, 0, max(1, math.ceil(rule.window.total_seconds())))
        with read_session(self.engine) as session:
            # The limit-th newest request is the one whose expiry brings the count under it.
            oldest_counted = session.scalars(
                select(RateLimitEvent.at)
                .where(RateLimitEvent.key == key, RateLimitEvent.at > start)
                .order_by(RateLimitEvent.at.desc())
                .offset(rule.limit - 1)
                .limit(1)
            ).first()
        if oldest_counted is None:  # the window emptied meanwhile: try again at once
            return Decision(False, 0, 1)
        frees_up = oldest_counted + rule.window - now
        return Decision(False, 0, max(1, math.ceil(frees_up.total_seconds())))

    def _hit_postgresql(self, key: str, now: datetime, start: datetime, limit: int) -> int:
        call = select(
            func.bastion_rate_limit_hit(
                bindparam("key", key),
                bindparam("now", now, type_=UTCDateTime),
                bindparam("start", start, type_=UTCDateTime),
                bindparam("limit", limit),
            )
        )
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return int(conn.execute(call).scalar_one())

    def _hit_sqlite(self, key: str, now: datetime, start: datetime, limit: int) -> int:
        with write_session(self.engine) as session:
            # A count on the (key, at) index: cheap however high the limit is set.
            in_window = session.scalar(
                select(func.count())
                .select_from(RateLimitEvent)
                .where(RateLimitEvent.key == key, RateLimitEvent.at > start)
            )
            count = int(in_window or 0)
            if count < limit:
                event = RateLimitEvent(key=key, at=now)
                session.add(event)
                session.flush()
                # Expired rows never count; clearing them every 64th request keeps the
                # index small without a third statement on every request.
                if event.id % 64 == 0:
                    session.execute(
                        delete(RateLimitEvent).where(
                            RateLimitEvent.key == key, RateLimitEvent.at <= start
                        )
                    )
            return count

    def reset(self, key: str) -> None:
        with write_session(self.engine) as session:
            session.execute(delete(RateLimitEvent).where(RateLimitEvent.key == key))

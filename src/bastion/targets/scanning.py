"""One stored scan through the engine, inside a job: the target pinned under the policy,
options built from the target, progress written every few seconds, and cancellation or
the job's time limit turned into the engine's interrupt."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy.exc import SQLAlchemyError

from bastion.dast.engine.scan import run_scan
from bastion.dast.model import DastReport, ScanStats
from bastion.dast.options import DastOptions
from bastion.dast.policy import ConnectPolicy, PinnedHost
from bastion.db.session import write_session
from bastion.jobs.base import JobCancelled, JobContext
from bastion.targets import repository
from bastion.targets.auth_headers import split_cookies, unseal
from bastion.targets.config import SCAN_MAX_DURATION, DastSettings
from bastion.targets.repository import ScanJobTarget
from bastion.targets.urls import parse_target_url

log = logging.getLogger(__name__)

# The pinned addresses fit the column (String(64)); a name with more keeps the first few.
PINNED_ADDRESS_LENGTH = 64


class Stop(StrEnum):
    """Why the job interrupted the engine."""

    CANCELLED = "cancelled"  # the scan is no longer running (its target was deleted)
    TIME_LIMIT = "time limit"  # the job's time is up or its lease is lost


@dataclass(frozen=True, slots=True)
class Prepared:
    pinned: PinnedHost
    options: DastOptions


@contextmanager
def prepare(scan: ScanJobTarget, settings: DastSettings) -> Iterator[Prepared]:
    """Pin the target and build the engine's options; the definition, if inline, lives
    in a temporary file for as long as the context. Raises PolicyError (not allowed,
    unresolvable), SecretUnreadable and InvalidTargetUrl, whose messages say why."""
    policy = settings.policy()
    pinned = policy.pin(parse_target_url(scan.url).host)
    headers, cookies = split_cookies(
        unseal(settings.secrets, scan.auth_headers_encrypted) if scan.auth_headers_encrypted else ()
    )
    with TemporaryDirectory(prefix="bastion-dast-") as tmp:
        openapi = scan.openapi_url
        if scan.openapi_definition is not None:
            path = Path(tmp) / "openapi.json"
            path.write_text(scan.openapi_definition, encoding="utf-8")
            openapi = str(path)
        yield Prepared(
            pinned,
            DastOptions(
                target=scan.url,
                max_requests=settings.max_requests,
                max_duration=min(settings.max_duration, SCAN_MAX_DURATION),
                concurrency=settings.concurrency,
                headers=headers,
                cookies=cookies,
                # Chromium resolves and connects by itself, out of the policy's reach:
                # server-side scans crawl without it.
                browser=False,
                openapi=openapi,
                connect_policy=ConnectPolicy(policy, [pinned]),
            ),
        )


def pinned_text(pinned: PinnedHost) -> str:
    text = ""
    for address in pinned.addresses:
        candidate = f"{text}, {address}" if text else str(address)
        if len(candidate) > PINNED_ADDRESS_LENGTH:
            break
        text = candidate
    return text


def run_engine(
    ctx: JobContext, scan_id: uuid.UUID, options: DastOptions, interval: float
) -> tuple[DastReport, Stop | None]:
    """Run the scan on an event loop of this (the job's) thread."""
    return asyncio.run(_monitored(ctx, scan_id, options, interval))


async def _monitored(
    ctx: JobContext, scan_id: uuid.UUID, options: DastOptions, interval: float
) -> tuple[DastReport, Stop | None]:
    interrupt = asyncio.Event()
    latest: dict[str, int] = {}
    started = time.monotonic()

    def progress(stats: ScanStats, findings: int) -> None:
        # Called by the engine every half second: only copy the counters here.
        latest.update(progress_counters(stats, findings))

    scan = asyncio.create_task(run_scan(options, progress=progress, interrupt=interrupt))
    stop: Stop | None = None
    while not (await asyncio.wait({scan}, timeout=interval))[0]:
        if stop is not None:
            continue
        try:
            ctx.check()
        except JobCancelled:
            stop = Stop.TIME_LIMIT
            interrupt.set()
            continue
        counters = dict(latest)
        try:
            running = await asyncio.to_thread(
                _save_progress,
                ctx,
                scan_id,
                counters,
                estimate_percent(counters, time.monotonic() - started, options),
            )
        except SQLAlchemyError:
            # Progress is for display: a busy or restarting database must not cost the
            # scan. The final write (and the lease) will tell if it stays down.
            log.warning("dast scan %s: progress not saved", scan_id, exc_info=True)
            continue
        if not running:
            stop = Stop.CANCELLED
            interrupt.set()
    return scan.result(), stop


def _save_progress(
    ctx: JobContext, scan_id: uuid.UUID, counters: dict[str, int], percent: int
) -> bool:
    with write_session(ctx.engine) as session:
        return repository.save_progress(
            session, scan_id, phase=phase(counters), percent=percent, progress=counters
        )


def progress_counters(stats: ScanStats, findings: int) -> dict[str, int]:
    return {
        "requests": stats.requests,
        "pages": stats.pages,
        "inputs": stats.inputs,
        "findings": findings,
        "errors": stats.errors,
    }


def phase(counters: dict[str, int]) -> str:
    """``crawling`` until the crawl has listed the inputs, then ``testing``."""
    return "testing" if counters.get("inputs", 0) else "crawling"


def estimate_percent(counters: dict[str, int], elapsed: float, options: DastOptions) -> int:
    """A rough share of the scan done: whichever budget (time, requests) is further
    spent; a scan that finishes early jumps to 100. Never 100 while running."""
    by_time = elapsed / options.max_duration if options.max_duration > 0 else 0.0
    by_requests = counters.get("requests", 0) / max(1, options.max_requests)
    return min(99, int(100 * max(by_time, by_requests)))

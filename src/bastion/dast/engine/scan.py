"""One app scan from start to report: reach the target, crawl, request the well-known
exposed files, then run every applicable active rule on every insertion point, while
the passive rules watch all traffic.

Whatever the target does (refuse connections, time out, answer 500 to everything,
redirect forever, stream endless bodies) and whatever a rule does (raise, loop), the
scan ends with a report: ``stats.stop_reason`` says why it ended and ``stats.notes``
what went wrong on the way. Budgets are enforced by the client (it raises
``ClientStopped``); a hard deadline a little after the time budget catches anything
that would not notice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from bastion.dast.checks.base import ActiveRule, PassiveRule
from bastion.dast.checks.registry import active_rules, passive_rules
from bastion.dast.crawler.client import TargetClient
from bastion.dast.crawler.crawl import CrawlResult, crawl
from bastion.dast.crawler.errors import ClientStopped, TargetError
from bastion.dast.engine.cache import ResponseCache
from bastion.dast.engine.dedup import FindingSet, sort_findings
from bastion.dast.engine.exposed import probe_paths, probe_urls
from bastion.dast.engine.gate import GATED_LOCATIONS, gate_payload, is_stable, reads_point
from bastion.dast.engine.insertion import inject, insertion_points
from bastion.dast.engine.origin import origin_requests, probe_origin
from bastion.dast.engine.passive import PassiveRunner, origin
from bastion.dast.engine.plan import PointPlanner, is_binary_response, is_static_asset
from bastion.dast.engine.probe import REVISIT_PAGES, EngineProbe, MarkerFactory
from bastion.dast.engine.progress import ProgressCallback, ProgressReporter
from bastion.dast.model import (
    DastReport,
    Exchange,
    HttpRequest,
    HttpResponse,
    InputSource,
    InsertionPoint,
    ScanInput,
    ScanStats,
)
from bastion.dast.options import DastOptions

logger = logging.getLogger(__name__)

COMPLETED = "completed"
TIME_BUDGET = "time budget"
INTERRUPTED = "interrupted"
UNREACHABLE = "target unreachable"

# Notes about one rule's failures: the first few in full, then only a count.
NOTES_PER_RULE = 3
# How long past the time budget the scan may run before it is cut short: enough for the
# requests already in flight to time out on their own.
HARD_DEADLINE_GRACE = 5.0


class Discover(Protocol):
    def __call__(
        self, options: DastOptions, client: TargetClient, *, stats: ScanStats
    ) -> Awaitable[CrawlResult]: ...


async def run_scan(
    options: DastOptions,
    *,
    progress: ProgressCallback | None = None,
    rules: Sequence[ActiveRule] | None = None,
    passive: Sequence[PassiveRule] | None = None,
    discover: Discover | None = None,
    interrupt: asyncio.Event | None = None,
) -> DastReport:
    """Scan ``options.target`` and return the report; never raises for anything the
    target or a rule does.

    ``rules``/``passive`` replace the registry's rules and ``discover`` the crawler (for
    tests). Setting ``interrupt`` stops the scan early with the findings so far.
    """
    if rules is None:
        rules = active_rules(options.rules) if options.active else []
    if passive is None:
        passive = passive_rules(options.rules) if options.passive else []
    scan = _Scan(options, list(rules), list(passive), discover or crawl)
    return await scan.run(progress, interrupt)


class _Scan:
    def __init__(
        self,
        options: DastOptions,
        rules: list[ActiveRule],
        passive: list[PassiveRule],
        discover: Discover,
    ) -> None:
        self.options = options
        self.rules = rules if options.active else []
        self.passive_rules = passive if options.passive else []
        self.discover = discover
        self.stats = ScanStats()
        self.passive = PassiveRunner(self.passive_rules, self.stats)
        self.findings = FindingSet()
        self.cache = ResponseCache()
        self.planner = PointPlanner()
        self.markers = MarkerFactory()
        self.stop_reason: str | None = None
        self.rule_failures: Counter[str] = Counter()
        self.revisit_pages: dict[str, list[str]] = {}
        # Set in ``run``, inside the event loop.
        self.slots: asyncio.Semaphore
        self.timing_slot: asyncio.Semaphore

    # -- the whole scan ---------------------------------------------------------------

    async def run(
        self, progress: ProgressCallback | None, interrupt: asyncio.Event | None
    ) -> DastReport:
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        start = time.monotonic()
        deadline = start + self.options.max_duration
        # Rules run a few at a time more than the client's own limit, so that the client
        # always has a request queued while a rule thinks.
        self.slots = asyncio.Semaphore(max(1, self.options.concurrency) * 2)
        # Rules that measure response times run one at a time: concurrent sleep payloads
        # against one server slow each other down and prove nothing.
        self.timing_slot = asyncio.Semaphore(1)
        reporter = ProgressReporter(progress, self.stats, self._finding_count)
        ticker = asyncio.create_task(reporter.run())
        client = TargetClient(
            self.options, stats=self.stats, observer=self._observe, deadline=deadline
        )
        try:
            cut_short = await self._run_bounded(client, deadline, interrupt)
        finally:
            ticker.cancel()
            await asyncio.gather(ticker, return_exceptions=True)
            try:
                await client.aclose()
            except Exception:
                logger.debug("closing the client failed", exc_info=True)
        if cut_short is not None:
            self._stop(cut_short)
        if self.stop_reason is None and client.stopped:
            self._stop(client.stopped)
        self.stats.stop_reason = self.stop_reason or COMPLETED
        for rule_id, count in sorted(self.rule_failures.items()):
            if count > NOTES_PER_RULE:
                self.stats.notes.append(f"rule {rule_id} failed {count} times in all")
        self.stats.duration = time.monotonic() - start
        reporter.report()
        return DastReport(
            target=self.options.target,
            started_at=started_at,
            findings=tuple(sort_findings([*self.passive.findings(), *self.findings.findings()])),
            stats=self.stats,
        )

    async def _run_bounded(
        self, client: TargetClient, deadline: float, interrupt: asyncio.Event | None
    ) -> str | None:
        """Run the scan body until it ends, the hard deadline passes or ``interrupt`` is
        set; return why it was cut short, or None when it ended by itself."""
        body = asyncio.create_task(self._body(client))
        waiters: set[asyncio.Task[object]] = {body}
        if interrupt is not None:
            waiters.add(asyncio.create_task(interrupt.wait()))
        hard_deadline = deadline + self.options.timeout + HARD_DEADLINE_GRACE
        try:
            await asyncio.wait(
                waiters,
                timeout=max(0.0, hard_deadline - time.monotonic()),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for task in waiters:
                task.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
        if body.cancelled():
            return INTERRUPTED if interrupt is not None and interrupt.is_set() else TIME_BUDGET
        error = body.exception()
        if error is not None:
            # A bug in the engine itself: still a report, with the reason in the notes.
            logger.debug("scan failed", exc_info=error)
            self.stats.notes.append(f"scan failed: {error.__class__.__name__}: {error}")
            return f"error: {error.__class__.__name__}"
        return None

    async def _body(self, client: TargetClient) -> None:
        try:
            if not await self._reach(client):
                return
            result = await self._crawl(client)
            self.cache.enabled = False
            if result is None:
                return
            if client.stopped is not None:
                # The crawl ended early because the client stopped: nothing more to send.
                self._stop(client.stopped)
                return
            await self._request_exposed_files(client)
            await self._request_with_foreign_origin(client, result.inputs)
            if self.rules and not self.stopped:
                await self._probe_inputs(client, result.inputs)
        except ClientStopped as exc:
            self._stop(exc.reason)

    # -- phases -----------------------------------------------------------------------

    async def _reach(self, client: TargetClient) -> bool:
        """One request to the target before anything else: an unreachable target is a
        usage problem (wrong URL, app not started), not a scan result."""
        try:
            await client.send(HttpRequest("GET", self.options.target))
        except ClientStopped:
            raise
        except TargetError as exc:
            self._stop(f"{UNREACHABLE}: {exc.detail or exc.message}")
            return False
        except Exception as exc:
            # Something answered, in a way the client could not digest: let the crawl try.
            logger.debug("first request failed", exc_info=True)
            self.stats.notes.append(f"first request: {exc.__class__.__name__}: {exc}")
        return True

    async def _crawl(self, client: TargetClient) -> CrawlResult | None:
        try:
            result = await self.discover(self.options, client, stats=self.stats)
        except ClientStopped:
            raise
        except TargetError as exc:
            # The target answered the first request, then stopped answering.
            self._stop(f"{UNREACHABLE}: {exc.detail or exc.message}")
            return None
        except Exception as exc:
            # A discovery bug must not cost the user the scan: probe the target itself.
            logger.debug("crawl failed", exc_info=True)
            self.stats.notes.append(f"crawl failed: {exc.__class__.__name__}: {exc}")
            seed = ScanInput(HttpRequest("GET", self.options.target), InputSource.SEED)
            result = CrawlResult(inputs=[seed], pages=[self.options.target])
        self.stats.inputs = len(result.inputs)
        self.stats.pages = max(self.stats.pages, len(result.pages))
        for page in result.pages:
            pages = self.revisit_pages.setdefault(origin(page), [])
            if len(pages) < REVISIT_PAGES:
                pages.append(page)
        return result

    async def _request_exposed_files(self, client: TargetClient) -> None:
        paths = probe_paths(self.passive_rules)
        if not paths:
            return
        requests = [HttpRequest("GET", url) for url in probe_urls(self.options.target, paths)]
        outcomes = await asyncio.gather(
            *(client.send(request) for request in requests), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, ClientStopped):
                raise outcome
        # Other failures are a missing file's normal fate (and the client counted them).

    async def _request_with_foreign_origin(
        self, client: TargetClient, inputs: Sequence[ScanInput]
    ) -> None:
        foreign = probe_origin(self.passive_rules)
        if foreign is None:
            return
        requests = origin_requests([i for i in inputs if not is_static_asset(i.request)], foreign)
        outcomes = await asyncio.gather(
            *(client.send(request) for request in requests), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, ClientStopped):
                raise outcome

    async def _probe_inputs(self, client: TargetClient, inputs: Sequence[ScanInput]) -> None:
        pending = iter(inputs)

        async def worker() -> None:
            # Workers share one iterator: each takes the next input when it is free, so a
            # slow input never holds up the rest and memory holds few baselines at once.
            for target in pending:
                if self.stopped:
                    return
                try:
                    await self._probe_input(client, target)
                except Exception as exc:
                    # An engine bug on one odd input must not end the scan of the others.
                    logger.debug("probing %s failed", target.request.url, exc_info=True)
                    self.stats.notes.append(
                        f"probing {target.request.method} {target.request.url} failed: "
                        f"{exc.__class__.__name__}: {exc}"
                    )

        workers = max(1, self.options.concurrency)
        await asyncio.gather(*(worker() for _ in range(workers)))

    async def _probe_input(self, client: TargetClient, target: ScanInput) -> None:
        if is_static_asset(target.request):
            return
        try:
            points = insertion_points(target.request)
        except Exception as exc:
            self.stats.notes.append(
                f"insertion points of {target.request.method} {target.request.url}: "
                f"{exc.__class__.__name__}: {exc}"
            )
            return
        pairs = [
            (point, rule)
            for point in self.planner.select(target.request, points)
            for rule in self.rules
            if self._applies(rule, target, point)
        ]
        if not pairs:
            return
        baseline = await self._baseline(client, target)
        if baseline is None or is_binary_response(baseline):
            return
        gated = list(dict.fromkeys(p for p, _ in pairs if p.location in GATED_LOCATIONS))
        if gated:
            read = await self._gate(client, target, baseline, gated)
            pairs = [(p, r) for p, r in pairs if p.location not in GATED_LOCATIONS or p in read]
        self.stats.insertion_points += len({point for point, _ in pairs})
        await asyncio.gather(
            *(self._run_rule(client, target, baseline, point, rule) for point, rule in pairs)
        )

    async def _gate(
        self,
        client: TargetClient,
        target: ScanInput,
        baseline: HttpResponse,
        points: list[InsertionPoint],
    ) -> set[InsertionPoint]:
        """The gated points (cookies, header names) this endpoint visibly reads; all of
        them when the page is too unstable to tell (see ``engine/gate.py``)."""
        async with self.slots:
            again = await self._send(client, target.request)
        if again is None or not is_stable(baseline, again):
            return set(points)
        reads = await asyncio.gather(
            *(self._reads(client, target, baseline, point) for point in points)
        )
        return {point for point, read in zip(points, reads, strict=True) if read}

    async def _reads(
        self, client: TargetClient, target: ScanInput, baseline: HttpResponse, point: InsertionPoint
    ) -> bool:
        marker = self.markers()
        payload = gate_payload(point, marker)
        async with self.slots:
            gated = await self._send(client, inject(target.request, point, payload))
        # No answer proves nothing either way: let the rules try.
        return gated is None or reads_point(baseline, gated, marker, payload)

    async def _send(self, client: TargetClient, request: HttpRequest) -> HttpResponse | None:
        """One engine request; None when it failed or the client stopped (noted)."""
        if self.stopped:
            return None
        try:
            return await client.send(request)
        except ClientStopped as exc:
            self._stop(exc.reason)
        except TargetError:
            pass  # the client counted the error
        except Exception as exc:
            # The target answered something the client could not digest (a Location
            # header that is no URL…): this request failed, the scan goes on.
            logger.debug("%s %s failed", request.method, request.url, exc_info=True)
            self.stats.errors += 1
            self._note_once(f"request failed: {exc.__class__.__name__}: {exc}")
        return None

    async def _baseline(self, client: TargetClient, target: ScanInput) -> HttpResponse | None:
        cached = self.cache.take(target.request)
        if cached is not None:
            return cached
        return await self._send(client, target.request)

    async def _run_rule(
        self,
        client: TargetClient,
        target: ScanInput,
        baseline: HttpResponse,
        point: InsertionPoint,
        rule: ActiveRule,
    ) -> None:
        if self.stopped or self._already_found(rule, target, point):
            return
        slot = self.timing_slot if getattr(rule, "timing", False) else self.slots
        async with slot:
            if self.stopped or self._already_found(rule, target, point):
                return
            probe = EngineProbe(
                client=client,
                target=target,
                point=point,
                baseline=baseline,
                markers=self.markers,
                max_requests=rule.max_requests,
                revisit_pages=self.revisit_pages.get(origin(target.request.url), ()),
            )
            try:
                finding = await rule.scan(probe)
            except ClientStopped as exc:
                self._stop(exc.reason)
                return
            except TargetError:
                return  # one request failed after retries; the client counted it
            except Exception as exc:  # a broken rule (ProbeBudgetExceeded included)
                self._rule_failed(rule, target, point, exc)
                return
        if finding is not None:
            self.findings.add(finding)

    # -- helpers ----------------------------------------------------------------------

    @property
    def stopped(self) -> bool:
        return self.stop_reason is not None

    def _stop(self, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason

    def _observe(self, exchange: Exchange) -> None:
        # Called by the client for every exchange: it must never raise into the client.
        try:
            self.cache.remember(exchange)
            self.passive.observe(exchange)
        except Exception:
            logger.debug("observer failed", exc_info=True)

    def _note_once(self, note: str) -> None:
        if note not in self.stats.notes:
            self.stats.notes.append(note)

    def _finding_count(self) -> int:
        return len(self.passive) + len(self.findings)

    def _already_found(self, rule: ActiveRule, target: ScanInput, point: InsertionPoint) -> bool:
        endpoint = f"{target.request.method} {target.request.url.split('?', 1)[0].split('#', 1)[0]}"
        return (rule.rule_id, endpoint, point.name) in self.findings

    def _applies(self, rule: ActiveRule, target: ScanInput, point: InsertionPoint) -> bool:
        try:
            return rule.applies_to(target, point)
        except Exception as exc:
            self._rule_failed(rule, target, point, exc)
            return False

    def _rule_failed(
        self, rule: ActiveRule, target: ScanInput, point: InsertionPoint, exc: BaseException
    ) -> None:
        message = (
            f"rule {rule.rule_id} failed on {target.request.method} {target.request.url} "
            f"({point.location.value} {point.name}): {exc.__class__.__name__}: {exc}"
        )
        logger.debug("%s", message, exc_info=exc)
        self.rule_failures[rule.rule_id] += 1
        if self.rule_failures[rule.rule_id] <= NOTES_PER_RULE:
            self.stats.notes.append(message)

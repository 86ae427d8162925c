"""Discovery, start to finish: log in, import the API definition, crawl HTML and
JavaScript from the target (plus robots.txt and sitemaps), then let the browser find what
only JavaScript sends. Returns every distinct request worth probing.

The crawl is a pool of asyncio tasks fed by a queue; the client's semaphore and rate
limit bound what reaches the target. The crawl keeps to a share of the scan's time
budget so that the checks get the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

from bastion.dast.crawler.auth import login
from bastion.dast.crawler.browser import browser_crawl, chromium_available
from bastion.dast.crawler.client import TargetClient
from bastion.dast.crawler.cookies import SessionCookies
from bastion.dast.crawler.errors import ClientStopped, OpenApiError, TargetError
from bastion.dast.crawler.forms import form_requests
from bastion.dast.crawler.frontier import Frontier, InputSet, normalize_url, path_template
from bastion.dast.crawler.html import Form, Page, parse_page
from bastion.dast.crawler.openapi import load_openapi
from bastion.dast.crawler.robots import parse_robots
from bastion.dast.crawler.scope import Scope, is_logout, is_static
from bastion.dast.crawler.scripts import ScriptRef, extract_urls
from bastion.dast.crawler.session import Session
from bastion.dast.crawler.sitemap import SitemapError, parse_sitemap
from bastion.dast.model import Headers, HttpRequest, HttpResponse, InputSource, ScanInput, ScanStats
from bastion.dast.options import DastOptions

logger = logging.getLogger(__name__)

# The crawl (browser included) stops taking new work after this share of max_duration.
CRAWL_SHARE = 0.5
BROWSER_SHARE = 0.25  # of max_duration, at most, and never past the crawl's own share
MAX_QUERY_VARIANTS = 10
MAX_SCRIPTS = 500
MAX_SITEMAPS = 10
MAX_BROWSER_PAGES = 40
_SCRIPT_CACHE_SIZE = 2_000
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_JS_TYPES = frozenset(
    {"application/javascript", "text/javascript", "application/x-javascript", "text/ecmascript"}
)
_BINARY_PREFIXES = ("image/", "font/", "audio/", "video/")
_BINARY_TYPES = frozenset(
    {"application/octet-stream", "application/zip", "application/pdf", "application/gzip"}
)
_MISSING = frozenset({404, 410})

_NOTE_MESSAGES = {
    "failed": "crawler: {n} request(s) failed (first: {example})",
    "redirect": "crawler: {n} redirect chain(s) cut short (first: {example})",
    "truncated": "crawler: {n} response(s) truncated at the size cap (first: {example})",
    "static": "crawler: {n} binary/static resource(s) noted, not fetched (first: {example})",
    "binary": "crawler: {n} binary response(s) not parsed (first: {example})",
    "logout": "crawler: {n} logout link(s) not followed (first: {example})",
    "max_pages": "crawler: page limit reached; {n} link(s) not fetched (first: {example})",
    "max_depth": "crawler: {n} link(s) beyond the depth limit (first: {example})",
    "sitemap": "crawler: {n} sitemap(s) unreadable (first: {example})",
    "internal": "crawler: {n} page(s) could not be processed (first: {example})",
}


@dataclass(slots=True)
class CrawlResult:
    inputs: list[ScanInput]
    pages: list[str]  # HTML pages fetched with GET, for stored-payload revisits


async def crawl(options: DastOptions, client: TargetClient, *, stats: ScanStats) -> CrawlResult:
    """Discover the target. Raises :class:`ScopeError` for invalid include/exclude
    patterns and :class:`TargetError` when the target cannot be reached at all (setting
    ``stats.stop_reason``); a client that stops mid-crawl ends the crawl early with what
    was found."""
    return await _Crawler(options, client, stats).run()


class _Kind(StrEnum):
    PAGE = "page"  # GET; HTML is parsed, anything else is looked at by type
    SCRIPT = "script"  # linked JavaScript: URLs are extracted, no input
    SUBMIT = "submit"  # a non-GET form submission: the answer is parsed for links


@dataclass(frozen=True, slots=True)
class _Task:
    request: HttpRequest
    kind: _Kind
    depth: int
    source: InputSource
    page: str | None = None  # the page that led here


class _Notes:
    """Notes for the user, repeated problems counted rather than listed."""

    def __init__(self, stats: ScanStats) -> None:
        self._stats = stats
        self._counts: Counter[str] = Counter()
        self._examples: dict[str, str] = {}

    def add(self, text: str) -> None:
        if text not in self._stats.notes:
            self._stats.notes.append(text)

    def count(self, kind: str, example: str) -> None:
        self._counts[kind] += 1
        self._examples.setdefault(kind, example[:300])

    def flush(self) -> None:
        for kind, n in self._counts.items():
            self.add(_NOTE_MESSAGES[kind].format(n=n, example=self._examples[kind]))
        self._counts.clear()


class _Crawler:
    def __init__(self, options: DastOptions, client: TargetClient, stats: ScanStats) -> None:
        self.options = options
        self.stats = stats
        self.scope = Scope.from_options(options)
        self.cookies = SessionCookies()
        self.session = Session(client, self.cookies, self.scope)
        self.frontier = Frontier(MAX_QUERY_VARIANTS)
        self.inputs = InputSet()
        self.pages: dict[str, None] = {}  # an ordered set
        self.script_pages: list[tuple[str, int]] = []  # pages worth a browser visit
        self.notes = _Notes(stats)
        self.queue: asyncio.Queue[_Task] = asyncio.Queue()
        self.scheduled_pages = 0
        self.scripts: set[str] = set()
        self.stopping = False
        self.started = time.monotonic()
        self.crawl_deadline = self.started + options.max_duration * CRAWL_SHARE
        self._script_cache: dict[str, list[ScriptRef]] = {}

    async def run(self) -> CrawlResult:
        try:
            await self._discover()
        except ClientStopped as exc:
            logger.info("crawl ended early: %s", exc.reason)
        finally:
            self.notes.flush()
        final = self.cookies.pairs()
        inputs = [
            replace(
                item, request=replace(item.request, cookies=_fresh(item.request.cookies, final))
            )
            for item in self.inputs
        ]
        self.stats.inputs = len(inputs)
        return CrawlResult(inputs=inputs, pages=list(self.pages))

    async def _discover(self) -> None:
        options = self.options
        seed = normalize_url(options.target)
        if seed is None:
            raise TargetError(f"{options.target}: not an http(s) URL")
        self.frontier.mark(seed)
        self.scheduled_pages += 1
        try:
            if options.login is not None:
                result = await login(options.login, self.session)
                for note in result.notes:
                    self.notes.add(note)
                if result.landing and self.scope.contains(result.landing):
                    self._offer_link(result.landing, 1, InputSource.LINK, options.login.url)
            if options.openapi:
                await self._openapi(options.openapi)
            await self._visit(_Task(HttpRequest("GET", seed), _Kind.PAGE, 0, InputSource.SEED))
        except ClientStopped:
            raise
        except TargetError as exc:
            self.stats.stop_reason = f"target unreachable: {exc.detail or exc.message}"
            raise
        await self._robots_and_sitemaps(seed)
        await self._drain()
        if options.browser:
            await self._browser()

    # -- the worker pool --------------------------------------------------------------

    async def _drain(self) -> None:
        workers = [
            asyncio.create_task(self._worker()) for _ in range(max(1, self.options.concurrency))
        ]
        try:
            await self.queue.join()
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        if self.session.client.stopped is not None:
            raise ClientStopped(self.session.client.stopped)

    async def _worker(self) -> None:
        while True:
            task = await self.queue.get()
            try:
                if time.monotonic() >= self.crawl_deadline and not self.stopping:
                    self.stopping = True
                    self.notes.add("crawler: stopped at its share of the time budget")
                if not self.stopping:
                    await self._visit(task)
            except ClientStopped:
                self.stopping = True
            except TargetError as exc:
                self.notes.count("failed", str(exc))
            except Exception:  # one odd page must not end the crawl
                logger.exception("crawler: processing %s failed", task.request.url)
                self.notes.count("internal", task.request.url)
            finally:
                self.queue.task_done()

    # -- one fetch --------------------------------------------------------------------

    async def _visit(self, task: _Task) -> None:
        fetched = await self.session.fetch(task.request, follow=self._follow)
        response, final = fetched.response, fetched.request
        if fetched.problem:
            self.notes.count("redirect", f"{task.request.url}: {fetched.problem}")
        if response.truncated:
            self.notes.count("truncated", final.url)
        if task.kind is _Kind.PAGE and response.status not in _MISSING:
            self._add_input(task.request, task.source, task.page, task.depth)
            if final.url != task.request.url and final.method == "GET":
                self._add_input(final, InputSource.REDIRECT, task.request.url, task.depth)
        content_type = response.content_type
        if _is_html(response):
            if final.method == "GET" and response.status < 400 and final.url not in self.pages:
                self.pages[final.url] = None
                self.stats.pages += 1
            page = parse_page(response.text, final.url)
            if page.has_scripts and final.method == "GET" and response.status < 400:
                self.script_pages.append((final.url, task.depth))
            self._handle_page(page, final.url, task.depth)
        elif content_type in _JS_TYPES or task.kind is _Kind.SCRIPT:
            if response.status < 400:
                base = task.page or final.url
                self._handle_refs(self._extract(response.text), base, task.depth)
        elif content_type.startswith(_BINARY_PREFIXES) or content_type in _BINARY_TYPES:
            self.notes.count("binary", final.url)

    def _follow(self, url: str) -> bool:
        return self.frontier.admit(url)

    def _handle_page(self, page: Page, url: str, depth: int) -> None:
        for link in page.links:
            self._offer_link(link.url, depth + 1, InputSource.LINK, url, link.text)
        for form in page.forms:
            self._offer_form(form, url, depth + 1)
        for src in page.scripts:
            self._offer_script(src, url, depth)
        for text in page.inline_scripts:
            self._handle_refs(self._extract(text), url, depth)

    def _handle_refs(self, refs: list[ScriptRef], base: str, depth: int) -> None:
        for ref in refs:
            try:
                url = normalize_url(urljoin(base, ref.url))
            except ValueError:
                continue
            if url is None:
                continue
            method = ref.method or "GET"
            if method == "GET" and not ref.body:
                self._offer_link(url, depth + 1, InputSource.SCRIPT, base)
            elif self.scope.contains(url) and not is_logout(url) and not is_static(url):
                body = (ref.body or "").encode("utf-8", errors="replace")
                content_type = (ref.content_type or "") if body else ""
                request = HttpRequest(method, url, body=body, content_type=content_type)
                self._add_input(request, InputSource.SCRIPT, base, depth + 1)

    def _extract(self, source: str) -> list[ScriptRef]:
        """Script URLs, cached: sites repeat the same inline snippets on every page."""
        cached = self._script_cache.get(source)
        if cached is None:
            cached = extract_urls(source)
            if len(self._script_cache) < _SCRIPT_CACHE_SIZE:
                self._script_cache[source] = cached
        return cached

    # -- what goes into the queue ---------------------------------------------------------

    def _offer_link(
        self, url: str, depth: int, source: InputSource, page: str | None, text: str = ""
    ) -> None:
        if not self.scope.contains(url):
            return
        if is_logout(url, text):
            self.notes.count("logout", url)
            return
        if is_static(url):
            self.notes.count("static", url)
            return
        if self.stopping or self.frontier.seen(url):
            return
        if depth > self.options.max_depth:
            self.notes.count("max_depth", url)
            return
        if self.scheduled_pages >= self.options.max_pages:
            self.notes.count("max_pages", url)
            return
        if self.frontier.admit(url):
            self.scheduled_pages += 1
            self.queue.put_nowait(_Task(HttpRequest("GET", url), _Kind.PAGE, depth, source, page))

    def _offer_form(self, form: Form, page: str, depth: int) -> None:
        for request in form_requests(form):
            url = request.url
            if not self.scope.contains(url) or is_logout(url):
                continue
            if not self._add_input(request, InputSource.FORM, page, depth):
                continue  # this form (or one shaped like it) was submitted already
            if form.has_password and self.options.login is not None:
                continue  # a second login would replace the session with a guessed one
            if self.stopping or depth > self.options.max_depth:
                continue
            if request.method == "GET":
                self._offer_link(url, depth, InputSource.FORM, page)
            else:
                self.queue.put_nowait(_Task(request, _Kind.SUBMIT, depth, InputSource.FORM, page))

    def _offer_script(self, url: str, page: str, depth: int) -> None:
        if (
            self.stopping
            or url in self.scripts
            or len(self.scripts) >= MAX_SCRIPTS
            or not self.scope.contains(url)
        ):
            return
        self.scripts.add(url)
        self.queue.put_nowait(
            _Task(HttpRequest("GET", url), _Kind.SCRIPT, depth, InputSource.SCRIPT, page)
        )

    def _add_input(
        self, request: HttpRequest, source: InputSource, page: str | None, depth: int
    ) -> bool:
        if is_logout(request.url):
            return False
        return self.inputs.add(ScanInput(request, source, page=page, depth=depth))

    # -- other sources ------------------------------------------------------------------

    async def _robots_and_sitemaps(self, seed: str) -> None:
        parts = urlsplit(seed)
        root = f"{parts.scheme}://{parts.netloc}"
        robots_url = f"{root}/robots.txt"
        sitemaps: deque[str] = deque([f"{root}/sitemap.xml"])
        response = await self._quiet_get(robots_url)
        if response is not None and response.status == 200 and not _is_html(response):
            hints = parse_robots(response.text)
            for path in hints.paths:
                self._offer_link(urljoin(root, path), 1, InputSource.ROBOTS, robots_url)
            sitemaps.extend(hints.sitemaps)
        fetched: set[str] = set()
        while sitemaps and len(fetched) < MAX_SITEMAPS:
            url = normalize_url(urljoin(root, sitemaps.popleft()))
            if url is None or url in fetched or not self.scope.contains(url):
                continue
            fetched.add(url)
            response = await self._quiet_get(url)
            if response is None or response.status != 200 or _is_html(response):
                continue
            try:
                entries = parse_sitemap(response.body)
            except SitemapError as exc:
                self.notes.count("sitemap", f"{url}: {exc}")
                continue
            for entry in entries.urls:
                normalized = normalize_url(entry)
                if normalized is not None:
                    self._offer_link(normalized, 1, InputSource.SITEMAP, url)
            sitemaps.extend(entries.sitemaps)

    async def _quiet_get(self, url: str) -> HttpResponse | None:
        """GET, following redirects; a failure is counted, not raised (ClientStopped is)."""
        try:
            fetched = await self.session.fetch(HttpRequest("GET", url))
        except ClientStopped:
            raise
        except TargetError as exc:
            self.notes.count("failed", str(exc))
            return None
        return fetched.response

    async def _openapi(self, source: str) -> None:
        async def fetch(url: str) -> bytes:
            fetched = await self.session.fetch(HttpRequest("GET", url))
            if fetched.response.status >= 400:
                raise OpenApiError(f"{url}: HTTP {fetched.response.status}")
            return fetched.response.body

        try:
            imported = await load_openapi(
                source, target=self.options.target, fetch=fetch, in_scope=self.scope.contains
            )
        except OpenApiError as exc:
            self.notes.add(f"openapi: {exc}")
            return
        added = 0
        for request in imported.requests:
            if self.scope.contains(request.url) and not is_logout(request.url):
                added += self.inputs.add(ScanInput(request, InputSource.OPENAPI, page=source))
        for note in imported.notes:
            self.notes.add(note)
        logger.info("openapi: %d operations, %d new inputs", len(imported.requests), added)

    async def _browser(self) -> None:
        if not chromium_available(self.options):
            self.notes.add(
                f"browser: Chromium not found at {self.options.chromium_path};"
                " browser crawl skipped"
            )
            return
        remaining = self.crawl_deadline - time.monotonic()
        budget = min(remaining, self.options.max_duration * BROWSER_SHARE)
        if budget < 5:
            self.notes.add("browser: no time left in the crawl budget; browser crawl skipped")
            return
        result = await browser_crawl(
            _browser_pages(self.script_pages),
            options=self.options,
            scope=self.scope,
            cookies=_fresh(self.options.cookies, self.cookies.pairs()),
            budget=budget,
        )
        self.stats.requests += result.requests
        for item in result.inputs:
            self.inputs.add(item)
        for note in result.notes:
            self.notes.add(note)


def _browser_pages(pages: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Pages with JavaScript, one per path template (``/item/{}``), shallowest first."""
    chosen: dict[str, tuple[str, int]] = {}
    for url, depth in sorted(pages, key=lambda page: page[1]):
        key = path_template(url.split("?", 1)[0])
        if key not in chosen:
            chosen[key] = (url, depth)
        if len(chosen) >= MAX_BROWSER_PAGES:
            break
    return list(chosen.values())


def _is_html(response: HttpResponse) -> bool:
    content_type = response.content_type
    if content_type in _HTML_TYPES:
        return True
    if content_type:
        return False
    head = response.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _fresh(own: Headers, jar: Headers) -> Headers:
    """The session's latest cookie values, plus the ``own`` cookies the jar lacks."""
    names = {name for name, _ in jar}
    return (*jar, *((n, v) for n, v in own if n not in names))

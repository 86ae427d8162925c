"""The browser crawl (ZAP's AJAX spider): load pages in headless Chromium, fill their
inputs, click what looks interactive, and record every request the page's JavaScript
sends (XHR and fetch) as a scan input, with its method, headers, cookies and body.

Playwright drives the system's Chromium (never a downloaded browser) with a fresh
temporary profile. Out-of-scope requests and heavy resources are blocked at the route
level; a navigation a click triggers after the page loaded (a form submission, a
``location`` change) is recorded and answered with 204 No Content, which keeps the page
in place for the next click. Every Playwright failure becomes a note.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.async_api import BrowserContext, Page, Request, Route, async_playwright
from playwright.async_api import Error as PlaywrightError

from bastion.dast.crawler.forms import default_value
from bastion.dast.crawler.frontier import normalize_url
from bastion.dast.crawler.scope import Scope, is_logout, is_static
from bastion.dast.model import Headers, HttpRequest, InputSource, ScanInput
from bastion.dast.options import DastOptions

if TYPE_CHECKING:
    # The type BrowserContext.add_cookies declares; Playwright does not re-export it.
    from playwright._impl._api_structures import SetCookieParam

logger = logging.getLogger(__name__)

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
MAX_CLICKS_PER_PAGE = 15
MAX_FILLS_PER_PAGE = 20
CLICK_PAUSE = 0.1  # seconds for a click's handlers to send their requests
CLICKABLE = (
    "button, input[type=button], input[type=submit], [onclick], a[href^='javascript:'],"
    " [role=button]"
)
_RECORDED_TYPES = frozenset({"xhr", "fetch"})
_BLOCKED_TYPES = frozenset({"image", "media", "font"})
# Headers every browser request carries: noise for a scan input (the client sets its own).
_NOISE_HEADERS = frozenset(
    {
        "host", "connection", "content-length", "cookie", "user-agent", "accept-encoding",
        "accept-language", "referer", "origin", "pragma", "cache-control", "dnt",
        "upgrade-insecure-requests", "priority", "content-type", "te", "keep-alive",
    }
)  # fmt: skip
_FILLABLE = """els => els.map((e, i) => [i, (e.type || 'text').toLowerCase(), e.name || e.id || '',
    !e.value && !e.disabled && !e.readOnly && e.offsetParent !== null])"""
_DESCRIBE = """e => [e.innerText || e.value || '', e.getAttribute('href') || '',
    e.getAttribute('onclick') || '', e.id || '', e.getAttribute('name') || '',
    e.getAttribute('formaction') || '']"""
_TEXT_TYPES = frozenset({"text", "search", "email", "tel", "url", "number", "password", "textarea"})


@dataclass(slots=True)
class BrowserResult:
    inputs: list[ScanInput] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests: int = 0  # requests the browser sent to the target


def chromium_available(options: DastOptions) -> bool:
    return Path(options.chromium_path).is_file()


async def browser_crawl(
    pages: Sequence[tuple[str, int]],
    *,
    options: DastOptions,
    scope: Scope,
    cookies: Headers,
    budget: float,
) -> BrowserResult:
    """Visit ``pages`` ((URL, crawl depth) pairs) for at most ``budget`` seconds.
    Never raises (cancellation aside)."""
    result = BrowserResult()
    if not pages:
        return result
    if not chromium_available(options):
        result.notes.append(
            f"browser: Chromium not found at {options.chromium_path}; browser crawl skipped"
        )
        return result
    deadline = time.monotonic() + budget
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=options.chromium_path,
                headless=True,
                args=list(CHROMIUM_ARGS),
                timeout=max(5_000.0, options.timeout * 3_000),
            )
            try:
                context = await browser.new_context(
                    ignore_https_errors=True,
                    user_agent=options.user_agent,
                    extra_http_headers=dict(options.headers),
                )
                crawler = _PageCrawler(context, options, scope, result, deadline)
                await crawler.start(cookies)
                for url, depth in pages:
                    if time.monotonic() >= deadline:
                        result.notes.append("browser: time budget used up; some pages skipped")
                        break
                    await crawler.explore(url, depth)
                crawler.report()
            finally:
                await browser.close()
    except Exception as exc:  # the driver and browser fail in many ways; each is a note
        logger.warning("browser crawl failed", exc_info=True)
        result.notes.append(f"browser: {_first_line(exc)}")
    return result


class _PageCrawler:
    def __init__(
        self,
        context: BrowserContext,
        options: DastOptions,
        scope: Scope,
        result: BrowserResult,
        deadline: float,
    ) -> None:
        self._context = context
        self._options = options
        self._scope = scope
        self._result = result
        self._deadline = deadline
        self._static_headers = {name.lower() for name, _ in options.headers}
        self._page: Page | None = None
        self._current = ""
        self._depth = 0
        self._loaded = False  # after the page loaded, navigations are recorded, not followed
        self._failures: list[str] = []

    async def start(self, cookies: Headers) -> None:
        target = normalize_url(self._options.target) or self._options.target
        jar: list[SetCookieParam] = [
            {"name": n, "value": v, "url": target} for n, v in cookies if n
        ]
        if jar:
            try:
                await self._context.add_cookies(jar)
            except PlaywrightError as exc:
                self._result.notes.append(f"browser: session cookies rejected: {_first_line(exc)}")
        await self._context.route("**/*", self._route)
        self._page = await self._context.new_page()
        self._page.set_default_timeout(self._options.timeout * 1000)

    async def explore(self, url: str, depth: int) -> None:
        page = self._page
        if page is None:
            return
        self._current, self._depth, self._loaded = url, depth, False
        try:
            await page.goto(url, wait_until="load", timeout=self._options.timeout * 1000)
            self._loaded = True
            await page.wait_for_timeout(CLICK_PAUSE * 1000)
            await self._fill(page)
            await self._click(page)
        except PlaywrightError as exc:
            self._failures.append(f"{url}: {_first_line(exc)}")
        finally:
            for other in self._context.pages:
                if other is not page:  # popups opened by clicks
                    await _quietly_close(other)

    def report(self) -> None:
        if self._failures:
            self._result.notes.append(
                f"browser: {len(self._failures)} page(s) failed (first: {self._failures[0]})"
            )

    async def _fill(self, page: Page) -> None:
        controls = page.locator("input, textarea")
        described = await controls.evaluate_all(_FILLABLE)
        filled = 0
        for index, kind, name, empty in described:
            if filled >= MAX_FILLS_PER_PAGE:
                break
            if not empty or kind not in _TEXT_TYPES:
                continue
            try:
                await controls.nth(index).fill(default_value(kind, name), timeout=500)
                filled += 1
            except PlaywrightError:
                continue

    async def _click(self, page: Page) -> None:
        clickables = page.locator(CLICKABLE)
        count = min(await clickables.count(), MAX_CLICKS_PER_PAGE)
        for index in range(count):
            if time.monotonic() >= self._deadline:
                return
            if page.url != self._current:
                # A click replaced the document after all: reload to keep going.
                self._loaded = False
                await page.goto(self._current, wait_until="load")
                self._loaded = True
            element = clickables.nth(index)
            try:
                text, href, onclick, ident, name, action = await element.evaluate(
                    _DESCRIBE, timeout=500
                )
                if is_logout(href or action or "", " ".join((text, onclick, ident, name))):
                    continue
                await element.click(timeout=1_000)
                await page.wait_for_timeout(CLICK_PAUSE * 1000)
            except PlaywrightError:
                continue  # hidden, detached or covered: try the next one

    async def _route(self, route: Route, request: Request) -> None:
        """Every request the browser makes passes here and is answered exactly once
        (a request left unanswered would hang its page)."""
        try:
            url = request.url
            if (
                not self._scope.contains(url)
                or is_logout(url)
                or request.resource_type in _BLOCKED_TYPES
                or is_static(url)
            ):
                await route.abort()
                return
            if request.resource_type in _RECORDED_TYPES:
                await self._record(request)
            elif self._loaded and _main_navigation(request):
                await self._record(request)
                # 204 keeps the current document, so the next click still finds its page.
                await route.fulfill(status=204, body="")
                return
            self._result.requests += 1
            await route.continue_()
        except PlaywrightError as exc:  # the page or browser went away meanwhile
            logger.debug("browser route %s: %s", request.url, exc)

    async def _record(self, request: Request) -> None:
        url = normalize_url(request.url)
        if url is None:
            return
        try:
            headers = await request.all_headers()
        except PlaywrightError:
            headers = dict(request.headers)  # the provisional headers, without cookies
        cookies = _cookies(headers.get("cookie", ""))
        kept = tuple(
            (name, value)
            for name, value in headers.items()
            if name not in _NOISE_HEADERS
            and not name.startswith("sec-")
            and name not in self._static_headers
        )
        body = request.post_data_buffer or b""
        content_type = headers.get("content-type", "") if body else ""
        self._result.inputs.append(
            ScanInput(
                HttpRequest(
                    request.method.upper(),
                    url,
                    headers=kept,
                    cookies=cookies,
                    body=body,
                    content_type=content_type,
                ),
                InputSource.BROWSER,
                page=self._current,
                depth=self._depth,
            )
        )


def _main_navigation(request: Request) -> bool:
    """A document request of the page itself (not of an iframe)."""
    try:
        return request.is_navigation_request() and request.frame.parent_frame is None
    except PlaywrightError:  # service-worker requests have no frame
        return False


def _cookies(header: str) -> Headers:
    pairs = []
    for part in header.split(";"):
        name, eq, value = part.strip().partition("=")
        if eq and name:
            pairs.append((name, value))
    return tuple(pairs)


async def _quietly_close(page: Page) -> None:
    try:
        await page.close()
    except PlaywrightError:
        logger.debug("could not close a popup")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]

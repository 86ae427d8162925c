"""The crawler's view of the client: every request carries the session cookies, every
response updates them, and redirects are followed here — within scope, with a hop cap
and loop detection — because the client never follows them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urljoin

from bastion.dast.crawler.client import TargetClient
from bastion.dast.crawler.cookies import SessionCookies
from bastion.dast.crawler.frontier import normalize_url
from bastion.dast.crawler.scope import Scope, is_logout, is_static
from bastion.dast.model import HttpRequest, HttpResponse

MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Fetched:
    """The last request of a redirect chain and its response. ``problem`` says why a
    chain was cut short (a loop, too many hops); ``chain`` lists the URLs visited."""

    request: HttpRequest
    response: HttpResponse
    chain: tuple[str, ...]
    problem: str | None = None


class Session:
    def __init__(self, client: TargetClient, cookies: SessionCookies, scope: Scope) -> None:
        self.client = client
        self.cookies = cookies
        self.scope = scope

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send with the session cookies (the request's own win) and keep new ones."""
        response = await self.client.send(
            replace(request, cookies=self.cookies.merged(request.cookies))
        )
        self.cookies.update(response)
        return response

    async def fetch(
        self, request: HttpRequest, *, follow: Callable[[str], bool] | None = None
    ) -> Fetched:
        """Send ``request`` and follow redirects to in-scope, non-logout, non-static URLs
        that ``follow`` accepts (the crawler passes its frontier, so a redirect to a page
        already crawled stops there). Raises what the client raises."""
        chain = [request.url]
        for _ in range(MAX_REDIRECTS + 1):
            response = await self.send(request)
            location = response.header("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return Fetched(request, response, tuple(chain))
            try:
                target = normalize_url(urljoin(request.url, location.strip()))
            except ValueError:
                target = None
            if (
                target is None
                or not self.scope.contains(target)
                or is_logout(target)
                or is_static(target)
            ):
                return Fetched(request, response, tuple(chain))
            # Twice is allowed: "set a cookie and redirect to yourself" is a common check.
            if chain.count(target) >= 2:
                return Fetched(request, response, tuple(chain), f"redirect loop at {target}")
            if target not in chain and follow is not None and not follow(target):
                return Fetched(request, response, tuple(chain))
            chain.append(target)
            if response.status in {307, 308}:
                request = replace(request, url=target)
            else:
                request = HttpRequest("GET", target, cookies=request.cookies)
        return Fetched(request, response, tuple(chain), f"more than {MAX_REDIRECTS} redirects")

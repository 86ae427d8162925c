"""Open redirect (ZAP rule 10028's active twin): the application sends the browser to
a host the request chose.

Payloads name a host under the reserved ``.example`` domain in the spellings filters
miss: absolute, protocol-relative (``//``), backslash (``/\\``), the original host as a
subdomain or as user info, and bare. The redirect is read without following it: a
Location or Refresh header, a ``<meta http-equiv=refresh>`` or a script assigning
``location``; its target, resolved like a browser would, must be on that host. A second
spelling (or the same one with another path) must redirect as well.
"""

from __future__ import annotations

import json
import re
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from bastion.dast.checks.base import ActiveRule, Probe
from bastion.dast.checks.detect import excerpt
from bastion.dast.checks.detect_html import is_html, parse
from bastion.dast.checks.detect_probe import Budgeted, BudgetSpent
from bastion.dast.model import (
    Confidence,
    DastFinding,
    HttpRequest,
    HttpResponse,
    InsertionPoint,
    Location,
    ScanInput,
)
from bastion.models import Severity

HOST = "bastion-redirect.example"

# Parameter names that usually carry a destination.
_NAME_PARTS = (
    "url", "uri", "redir", "return", "next", "goto", "dest", "continue", "forward",
    "callback", "referer", "referrer", "location", "target", "jump", "link", "success",
    "fail", "logout", "login", "relay", "service", "origin", "back",
)  # fmt: skip
_NAME_WORDS = frozenset({"to", "r", "u", "go", "out", "ref", "page", "site", "view", "path"})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_URLISH = re.compile(r"^(?:[a-zA-Z][\w+.-]*:)?//|^/|^[\w.-]+\.[a-zA-Z]{2,}(?:[/:?#]|$)")

_JS_REDIRECTS = (
    re.compile(
        r"(?:(?:window|document|top|self|parent)\s*\.\s*)?location(?:\s*\.\s*href)?"
        r"\s*=\s*(['\"`])(.{0,2048}?)\1"
    ),
    re.compile(r"location\s*\.\s*(?:replace|assign)\s*\(\s*(['\"`])(.{0,2048}?)\1"),
)
_REFRESH_URL = re.compile(r"(?i)url\s*=\s*['\"]?([^'\"]*)")
_CONTROL = re.compile(r"[\x00-\x20]+")


def looks_like_redirect_input(point: InsertionPoint) -> bool:
    if _URLISH.search(point.value.strip()):
        return True
    name = point.name.lower()
    if any(part in name for part in _NAME_PARTS):
        return True
    return any(word.lower() in _NAME_WORDS for word in _WORD.findall(point.name))


def lands_on(candidate: str, base: str, host: str = HOST) -> bool:
    """``candidate`` (a Location value, a script string…) resolved against ``base`` the
    way browsers do (control characters dropped, backslashes as slashes) is on
    ``host``."""
    cleaned = _CONTROL.sub("", candidate).replace("\\", "/")
    try:
        found = urlsplit(urljoin(base, cleaned)).hostname
    except ValueError:
        return False
    return found is not None and (found == host or found.endswith("." + host))


def redirect_to(response: HttpResponse, base: str) -> tuple[str, str] | None:
    """(how, excerpt) when ``response`` sends the browser to ``HOST``."""
    if 300 <= response.status < 400 or response.status == 201:
        location = response.header("location")
        if location and lands_on(location, base):
            return "Location header", f"Location: {location}"
    refresh = response.header("refresh")
    if refresh:
        match = _REFRESH_URL.search(refresh)
        if match and lands_on(match.group(1), base):
            return "Refresh header", f"Refresh: {refresh}"
    if not is_html(response) or HOST not in response.text:
        return None
    tree = parse(response.text)
    for meta in tree.css("meta"):
        if (meta.attributes.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        content = meta.attributes.get("content") or ""
        match = _REFRESH_URL.search(content)
        if match and lands_on(match.group(1), base):
            return "meta refresh", f'<meta http-equiv="refresh" content="{content}">'
    for script in tree.css("script"):
        code = script.text(deep=True)
        if HOST not in code.replace("\\/", "/"):
            continue
        for pattern in _JS_REDIRECTS:
            for match in pattern.finditer(code):
                target = _js_unescape(match.group(2))
                if lands_on(target, base):
                    return "script redirect", excerpt(code, match.start(), match.end(), 60)
    return None


def _js_unescape(text: str) -> str:
    """A JavaScript string literal's content with its common escapes decoded."""
    try:
        decoded = json.loads('"' + text.replace('"', '\\"') + '"')
    except ValueError:
        return text.replace("\\/", "/")
    return decoded if isinstance(decoded, str) else text


class OpenRedirect(ActiveRule):
    rule_id: ClassVar[str] = "dast.open_redirect"
    name: ClassVar[str] = "Open redirect"
    cwe: ClassVar[int] = 601
    severity: ClassVar[Severity] = Severity.MEDIUM
    confidence: ClassVar[Confidence] = Confidence.HIGH
    description: ClassVar[str] = (
        "The application redirects to a destination taken from the request: links on "
        "the trusted site send victims to a phishing page or leak OAuth tokens."
    )
    remediation: ClassVar[str] = (
        "Redirect only to relative paths of the site itself (reject '//' and '\\\\' "
        "prefixes) or to destinations from an allow-list; map external destinations to "
        "ids."
    )
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A01", "WSTG-CLNT-04")
    references: ClassVar[tuple[str, ...]] = (
        "https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html",
        "https://cwe.mitre.org/data/definitions/601.html",
    )
    locations: ClassVar[frozenset[Location]] = frozenset(
        {Location.QUERY, Location.FORM, Location.JSON, Location.PATH, Location.HEADER,
         Location.COOKIE}
    )  # fmt: skip
    max_requests: ClassVar[int] = 9

    def applies_to(self, target: ScanInput, point: InsertionPoint) -> bool:
        if point.location not in self.locations:
            return False
        if point.location is Location.HEADER:
            return point.name.lower() == "referer"
        return looks_like_redirect_input(point)

    def _payloads(self, probe: Budgeted, marker: str) -> list[str]:
        original = point_host(probe.point.value) or point_host(probe.target.request.url)
        payloads = [
            f"https://{HOST}/{marker}",
            f"//{HOST}/{marker}",
            f"/\\{HOST}/{marker}",
        ]
        if original:
            payloads += [
                f"https://{original}.{HOST}/{marker}",
                f"https://{original}@{HOST}/{marker}",
            ]
        payloads.append(f"{HOST}/{marker}")
        return payloads

    async def scan(self, probe: Probe) -> DastFinding | None:
        budget = Budgeted(probe, self.max_requests)
        try:
            return await self._scan(budget)
        except BudgetSpent:
            return None

    async def _scan(self, probe: Budgeted) -> DastFinding | None:
        marker = "bstn" + probe.marker().lower()
        payloads = self._payloads(probe, marker)
        for index, payload in enumerate(payloads):
            exchange = await probe.send(payload)
            found = redirect_to(exchange.response, exchange.request.url)
            if found is None:
                continue
            others = payloads[index + 1 : index + 3]
            others.append(payload.replace(marker, marker + "c"))
            for other in others:
                again = await probe.send(other)
                if redirect_to(again.response, again.request.url) is None:
                    continue
                how, shown = found
                return self.make_finding(
                    request=exchange.request,
                    evidence=f"{how} sends the browser to {HOST}; {other!r} redirects too",
                    parameter=probe.point.name,
                    location=probe.point.location,
                    payload=payload,
                    response_excerpt=shown,
                    confirmations=(again.request,),
                )
            return None
        return None

    @classmethod
    def example(cls) -> DastFinding:
        request = HttpRequest(
            "GET", f"https://shop.example/login?next=https%3A%2F%2F{HOST}%2Fbstnab12"
        )
        return cls.make_finding(
            request=request,
            evidence=f"Location header sends the browser to {HOST}; '//{HOST}/bstnab12' "
            "redirects too",
            parameter="next",
            location=Location.QUERY,
            payload=f"https://{HOST}/bstnab12",
            response_excerpt=f"Location: https://{HOST}/bstnab12",
            confirmations=(
                HttpRequest("GET", f"https://shop.example/login?next=%2F%2F{HOST}%2Fbstnab12"),
            ),
        )


def point_host(value: str) -> str | None:
    try:
        host = urlsplit(value.strip()).hostname
    except ValueError:
        return None
    return host or None

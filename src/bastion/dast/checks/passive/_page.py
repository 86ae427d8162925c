"""What several passive rules ask of a response: is it a page a browser renders, where is
its origin, and a short excerpt to cite."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from bastion.dast.model import HttpRequest, HttpResponse

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Bodies are searched only this far: signatures sit near the start, and rules run on
# every response of the scan.
SCAN_LIMIT = 256 * 1024


def is_html(response: HttpResponse) -> bool:
    """An HTML document by its Content-Type, or by its first bytes when it has none."""
    content_type = response.content_type
    if content_type:
        return content_type in HTML_TYPES
    start = response.body[:512].lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def is_page(response: HttpResponse) -> bool:
    """A successful HTML page: what page-level header checks look at. Error pages,
    redirects and assets are left out, so a 404 never carries a header finding."""
    return 200 <= response.status < 300 and is_html(response)


def origin(url: str) -> str:
    """``scheme://host[:port]`` in lower case, default ports dropped; "" if unparseable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    if not parts.scheme or not parts.hostname:
        return ""
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"


def is_https(request: HttpRequest, response: HttpResponse) -> bool:
    url = response.url or request.url
    return url.lower().startswith("https://")


def text_of(response: HttpResponse) -> str:
    """The decoded body, bounded by ``SCAN_LIMIT``."""
    if len(response.body) <= SCAN_LIMIT:
        return response.text
    return HttpResponse(
        url=response.url,
        status=response.status,
        headers=response.headers,
        body=response.body[:SCAN_LIMIT],
        elapsed=response.elapsed,
    ).text


def excerpt(text: str, start: int, end: int, context: int = 60) -> str:
    """``text[start:end]`` with some context, on one line, for a finding's excerpt."""
    left = max(0, start - context)
    right = min(len(text), end + context)
    snippet = text[left:right]
    return " ".join(snippet.split())


_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
# <meta> belongs in <head>: looking at the start of the document is enough.
META_LIMIT = 64 * 1024


def meta_tags(text: str) -> list[dict[str, str]]:
    """The attributes of every ``<meta>`` tag near the start of ``text``: names in lower
    case, values with character references decoded."""
    tags: list[dict[str, str]] = []
    for tag in _META.finditer(text, 0, META_LIMIT):
        attributes: dict[str, str] = {}
        for match in _ATTRIBUTE.finditer(tag.group(0)[5:].rstrip(">/")):
            name = match.group(1).lower()
            value = next((g for g in match.group(2, 3, 4) if g is not None), "")
            attributes.setdefault(name, html.unescape(value))
        tags.append(attributes)
    return tags


def meta_content(text: str, *, http_equiv: str | None = None, name: str | None = None) -> list[str]:
    """``content`` of the meta tags with that ``http-equiv`` (or ``name``), any case."""
    key, wanted = ("http-equiv", http_equiv) if http_equiv is not None else ("name", name)
    if wanted is None:
        return []
    return [
        tag.get("content", "")
        for tag in meta_tags(text)
        if tag.get(key, "").strip().lower() == wanted.lower()
    ]

"""What to fetch next and what was already found.

Two kinds of deduplication keep a crawl inside its budget. The frontier fetches a URL
once, and at most ``max_variants`` URLs that differ only in query values
(``/item?id=1…1000``). The input set keeps one scan input per *shape*: method, origin,
path with identifier segments folded (``/item/17`` ≡ ``/item/42``), query parameter names
and body shape, so an endpoint is probed once however many values the crawl saw.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import orjson
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from bastion.dast.model import HttpRequest, ScanInput

_DEFAULT_PORTS = {"http": "80", "https": "443"}
# Path segments that are identifiers, not names: numbers, UUIDs, long hex (hashes, ids).
_IDENTIFIER = re.compile(
    r"\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{16,}"
)
_MAX_SHAPE_DEPTH = 6

Shape = tuple[object, ...]


def normalize_url(url: str) -> str | None:
    """The URL without fragment, with lower-case scheme and host, no default port and a
    path of at least ``/``; None when it is not an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        hostname = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not hostname:
        return None
    host = f"[{hostname}]" if ":" in hostname else hostname
    netloc = host if port is None or str(port) == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if parts.username or parts.password:
        netloc = f"{parts.netloc.rsplit('@', 1)[0]}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def path_template(path: str) -> str:
    """``/item/17/edit`` → ``/item/{}/edit``."""
    return "/".join("{}" if _IDENTIFIER.fullmatch(part) else part for part in path.split("/"))


def query_names(query: str) -> tuple[str, ...]:
    return tuple(sorted({name for name, _ in parse_qsl(query, keep_blank_values=True)}))


def input_key(request: HttpRequest) -> Shape:
    """The shape deduplication compares: two requests with the same key differ only in
    values."""
    try:
        parts = urlsplit(request.url)
    except ValueError:
        return (request.method.upper(), request.url, (), body_shape(request.body, ""))
    where = f"{parts.scheme.lower()}://{parts.netloc.lower()}{path_template(parts.path or '/')}"
    return (
        request.method.upper(),
        where,
        query_names(parts.query),
        body_shape(request.body, request.content_type),
    )


def body_shape(body: bytes, content_type: str) -> Shape:
    if not body:
        return ()
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        return ("form", query_names(body.decode("utf-8", errors="replace")))
    if kind == "multipart/form-data":
        names = sorted(set(re.findall(rb'name="([^"]*)"', body)))
        return ("multipart", tuple(names))
    if kind.endswith("json"):
        try:
            return ("json", _json_shape(orjson.loads(body), 0))
        except orjson.JSONDecodeError:
            return ("raw", kind)
    if kind.endswith("xml"):
        try:
            root = ElementTree.fromstring(body)
        except (ElementTree.ParseError, DefusedXmlException, ValueError, LookupError):
            return ("raw", kind)
        return ("xml", tuple(sorted({str(element.tag) for element in root.iter()})))
    return ("raw", kind)


def _json_shape(value: object, depth: int) -> object:
    if depth >= _MAX_SHAPE_DEPTH:
        return "…"
    if isinstance(value, dict):
        return tuple(sorted((str(k), _json_shape(v, depth + 1)) for k, v in value.items()))
    if isinstance(value, list):
        return ("[]", _json_shape(value[0], depth + 1) if value else None)
    return type(value).__name__


class Frontier:
    """Decides which GET URLs are fetched: each once, and at most ``max_variants`` URLs
    per (path, query parameter names) so that value-only variants cannot eat the budget."""

    def __init__(self, max_variants: int = 10) -> None:
        self._max_variants = max_variants
        self._seen: set[str] = set()
        self._variants: dict[tuple[str, tuple[str, ...]], int] = {}

    def seen(self, url: str) -> bool:
        return url in self._seen

    def mark(self, url: str) -> None:
        """Record ``url`` as fetched without asking (redirect targets, the seed)."""
        if url not in self._seen:
            self._seen.add(url)
            self._count(url)

    def admit(self, url: str) -> bool:
        """True the first time ``url`` is offered, unless its variants are used up."""
        if url in self._seen:
            return False
        key = _variant_key(url)
        if key is not None and self._variants.get(key, 0) >= self._max_variants:
            return False
        self._seen.add(url)
        self._count(url)
        return True

    def _count(self, url: str) -> None:
        key = _variant_key(url)
        if key is not None:
            self._variants[key] = self._variants.get(key, 0) + 1


def _variant_key(url: str) -> tuple[str, tuple[str, ...]] | None:
    base, _, query = url.partition("?")
    if not query:
        return None
    return base, query_names(query)


class InputSet:
    """Scan inputs in discovery order, one per :func:`input_key`."""

    def __init__(self) -> None:
        self._inputs: dict[Shape, ScanInput] = {}

    def add(self, item: ScanInput) -> bool:
        key = input_key(item.request)
        if key in self._inputs:
            return False
        self._inputs[key] = item
        return True

    def __len__(self) -> int:
        return len(self._inputs)

    def __iter__(self) -> Iterator[ScanInput]:
        return iter(list(self._inputs.values()))

"""What is worth probing: which inputs, and which of their insertion points.

A large site is mostly the same few templates over thousands of URLs. Probing every
header of every page, or the stylesheet's ``?v=3``, would spend the time budget on
requests that cannot find anything new; these filters keep the work linear in the
number of distinct endpoints.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit

from bastion.dast.model import HttpRequest, HttpResponse, InsertionPoint, Location

# Files a server hands out as they are: a payload in their URL changes nothing in them.
STATIC_EXTENSIONS: frozenset[str] = frozenset(
    {
        ".css", ".js", ".mjs", ".map", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif",
        ".bmp", ".ico", ".svg", ".tif", ".tiff", ".woff", ".woff2", ".ttf", ".otf", ".eot",
        ".mp3", ".mp4", ".m4a", ".webm", ".ogg", ".ogv", ".wav", ".avi", ".mov", ".flac",
        ".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar", ".exe",
        ".dmg", ".iso", ".bin", ".apk", ".jar", ".wasm", ".doc", ".docx", ".xls", ".xlsx",
        ".ppt", ".pptx", ".odt", ".ods",
    }
)  # fmt: skip

# Response types no rule can read a payload back from.
_BINARY_TYPE_PREFIXES = ("image/", "audio/", "video/", "font/")
_BINARY_TYPES = frozenset(
    {
        "application/octet-stream",
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/wasm",
        "application/font-woff",
        "application/vnd.ms-fontobject",
        "text/css",
    }
)

# Locations that belong to the endpoint, not to one query variant of it: probed once per
# method and path however many inputs share them.
PER_PATH_LOCATIONS: frozenset[Location] = frozenset(
    {Location.HEADER, Location.HEADER_NAME, Location.COOKIE}
)


def url_path(url: str) -> str:
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return url.split("?", 1)[0]


def is_static_asset(request: HttpRequest) -> bool:
    """A GET for a file type that servers hand out verbatim (by its extension)."""
    if request.method.upper() not in {"GET", "HEAD"}:
        return False
    extension = posixpath.splitext(url_path(request.url))[1].lower()
    return extension in STATIC_EXTENSIONS


def is_binary_response(response: HttpResponse) -> bool:
    content_type = response.content_type
    if content_type in _BINARY_TYPES or content_type.startswith(_BINARY_TYPE_PREFIXES):
        return True
    # No declared type: a NUL byte early on is the cheapest sign of binary data.
    return not content_type and b"\x00" in response.body[:1024]


def endpoint_key(request: HttpRequest) -> tuple[str, str, str]:
    """``(method, scheme://host, path)``: what per-path insertion points are keyed on."""
    try:
        parts = urlsplit(request.url)
    except ValueError:
        return (request.method.upper(), "", request.url)
    return (request.method.upper(), f"{parts.scheme}://{parts.netloc}".lower(), parts.path or "/")


_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"[0-9a-fA-F-]{16,}")


def path_shape(path: str) -> str:
    """``path`` with its numbers and long hex tokens blanked: ``/shop/p17`` and
    ``/shop/p18`` share the shape ``/shop/p0``. Pages that differ only there are almost
    always one handler, so headers and cookies are probed once for all of them; on a
    generated 2,500-page site this took the scan from the request budget to done."""
    return _DIGITS.sub("0", _TOKEN.sub("0", path))


def path_template(path: str, index: int) -> str:
    """``path`` with segment ``index`` wildcarded: ``/blog/post-1`` and ``/blog/post-2``
    share segment 1's template ``/blog/*``, so that segment is probed once for both."""
    segments = path.split("/")
    # Segment indexes count the non-empty segments after the leading slash.
    position = index + 1 if path.startswith("/") else index
    if 0 <= position < len(segments):
        segments[position] = "*"
    return "/".join(segments)


class PointPlanner:
    """Remembers which endpoint-level insertion points were already planned, so headers,
    cookies and path segments are probed once per endpoint rather than once per input."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, ...]] = set()

    def select(self, request: HttpRequest, points: list[InsertionPoint]) -> list[InsertionPoint]:
        method, site, path = endpoint_key(request)
        chosen: list[InsertionPoint] = []
        for point in points:
            if point.location in PER_PATH_LOCATIONS:
                shape = path_shape(path)
                key: tuple[str, ...] = (method, site, shape, point.location.value, point.name)
            elif point.location is Location.PATH:
                if not point.name.isdigit():
                    key = (method, site, path, point.location.value, point.name)
                else:
                    template = path_template(path, int(point.name))
                    key = (method, site, template, point.location.value, point.name)
            else:
                chosen.append(point)
                continue
            if key in self._seen:
                continue
            self._seen.add(key)
            chosen.append(point)
        return chosen

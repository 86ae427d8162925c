"""What the scan may touch: the target's origin (or the include patterns), minus the
exclude patterns, minus anything that would end the session or is not worth fetching."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bastion.dast.crawler.errors import ScopeError
from bastion.dast.options import DastOptions

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Links that end the session: following one would crawl the rest of the site logged out.
# "log-out", "signout", "logoff"… but not "catalog-outlet" (a letter must not follow).
_LOGOUT = re.compile(
    r"(?:log|sign)[-_ ]?(?:out|off)(?![a-z])|end[-_]?session|destroy[-_]?session",
    re.IGNORECASE,
)

# Resources with nothing to discover and nothing to inject into: noted, never fetched.
STATIC_EXTENSIONS = frozenset(
    {
        # images
        "png", "jpg", "jpeg", "gif", "bmp", "ico", "webp", "svg", "tif", "tiff", "avif",
        # fonts
        "woff", "woff2", "ttf", "otf", "eot",
        # archives and packages
        "zip", "gz", "tgz", "tar", "bz2", "xz", "7z", "rar", "jar", "war", "deb", "rpm",
        "apk", "dmg", "iso", "exe", "msi", "bin",
        # media
        "mp3", "mp4", "m4a", "avi", "mov", "webm", "ogg", "ogv", "wav", "flac", "mkv",
        # documents
        "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods",
        # style sheets and source maps: text, but neither links nor inputs
        "css", "map",
    }
)  # fmt: skip


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the default port filled in; None for non-HTTP URLs."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


class Scope:
    """``contains(url)``: same origin as the target, or — when include patterns are given —
    matching one of them; never matching an exclude pattern. Patterns are regular
    expressions searched in the full URL."""

    def __init__(
        self, target: str, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()
    ) -> None:
        self.target = target
        self._origin = origin(target)
        if self._origin is None:
            raise ScopeError(f"{target}: not an http(s) URL")
        self._include = _compile(include)
        self._exclude = _compile(exclude)

    @classmethod
    def from_options(cls, options: DastOptions) -> Scope:
        return cls(options.target, options.include, options.exclude)

    def contains(self, url: str) -> bool:
        url_origin = origin(url)
        if url_origin is None:
            return False
        if self._include:
            if not any(pattern.search(url) for pattern in self._include):
                return False
        elif url_origin != self._origin:
            return False
        return not any(pattern.search(url) for pattern in self._exclude)


def is_logout(url: str, text: str = "") -> bool:
    """Would following this link (by its URL or its text) end the session?"""
    try:
        parts = urlsplit(url)
        where = f"{parts.path}?{parts.query}"
    except ValueError:
        where = url
    return bool(_LOGOUT.search(where) or (text and _LOGOUT.search(text)))


def is_static(url: str) -> bool:
    """Does the URL's path end in an extension of a binary or otherwise useless resource?"""
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    name = path.rsplit("/", 1)[-1]
    if "." not in name:
        return False
    return name.rsplit(".", 1)[-1].lower() in STATIC_EXTENSIONS


def _compile(patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ScopeError(f"invalid scope pattern {pattern!r}", detail=str(exc)) from exc
    return compiled

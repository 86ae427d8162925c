"""robots.txt read as a map, not a fence: the paths a site asks crawlers to avoid are
often the interesting ones (admin areas, APIs), and its Sitemap lines say where the rest
is listed."""

from __future__ import annotations

from dataclasses import dataclass

MAX_ENTRIES = 1000


@dataclass(frozen=True, slots=True)
class RobotsHints:
    paths: tuple[str, ...] = ()  # Allow/Disallow paths, wildcards cut off, in file order
    sitemaps: tuple[str, ...] = ()  # Sitemap URLs as written


def parse_robots(text: str) -> RobotsHints:
    """Never raises; lines it does not understand are skipped."""
    paths: list[str] = []
    sitemaps: list[str] = []
    for line in text.splitlines():
        key, colon, value = line.split("#", 1)[0].partition(":")
        if not colon:
            continue
        key = key.strip().lower()
        value = value.strip()
        if key in {"allow", "disallow"}:
            # "/private/*.php$" → "/private/": the part before any pattern is a real path.
            path = value.split("*", 1)[0].split("$", 1)[0]
            if path.startswith("/") and " " not in path and path not in paths:
                paths.append(path)
        elif key == "sitemap" and value and " " not in value and value not in sitemaps:
            sitemaps.append(value)
        if len(paths) + len(sitemaps) >= MAX_ENTRIES:
            break
    return RobotsHints(tuple(paths), tuple(sitemaps))

"""sitemap.xml (and sitemap index, gzip-compressed or plain-text sitemaps): the URLs a
site says it has. Parsed with defusedxml: the file comes from the target."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

MAX_URLS = 50_000  # the sitemap protocol's own limit per file
MAX_UNCOMPRESSED = 16 * 1024 * 1024


class SitemapError(ValueError):
    """The document is neither a sitemap, a sitemap index nor a text sitemap."""


@dataclass(frozen=True, slots=True)
class SitemapEntries:
    urls: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()  # further sitemaps named by a sitemap index


def parse_sitemap(data: bytes) -> SitemapEntries:
    """Raises :class:`SitemapError` and nothing else."""
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data)
    stripped = data.lstrip()
    if stripped.startswith(b"<"):
        try:
            root = ElementTree.fromstring(stripped)
        except (ElementTree.ParseError, DefusedXmlException, ValueError, LookupError) as exc:
            raise SitemapError(f"sitemap: not well-formed XML ({exc})") from exc
        return _from_xml(root)
    # A text sitemap: one URL per line.
    lines = stripped.decode("utf-8", errors="replace").splitlines()
    urls = [line.strip() for line in lines if line.strip().startswith(("http://", "https://"))]
    if not urls and stripped:
        raise SitemapError("sitemap: neither XML nor a list of URLs")
    return SitemapEntries(urls=tuple(urls[:MAX_URLS]))


def _from_xml(root: Element) -> SitemapEntries:
    kind = _local(root.tag)
    if kind not in {"urlset", "sitemapindex"}:
        raise SitemapError(f"sitemap: unexpected root element <{kind}>")
    locations: list[str] = []
    for element in root.iter():
        if _local(element.tag) == "loc" and element.text and element.text.strip():
            locations.append(element.text.strip())
            if len(locations) >= MAX_URLS:
                break
    if kind == "sitemapindex":
        return SitemapEntries(sitemaps=tuple(locations))
    return SitemapEntries(urls=tuple(locations))


def _local(tag: object) -> str:
    """``{http://www.sitemaps.org/schemas/sitemap/0.9}loc`` → ``loc``."""
    return str(tag).rsplit("}", 1)[-1].lower()


def _gunzip(data: bytes) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, MAX_UNCOMPRESSED)
    except zlib.error as exc:
        raise SitemapError(f"sitemap: broken gzip data ({exc})") from exc
    if decompressor.unconsumed_tail:
        raise SitemapError(f"sitemap: larger than {MAX_UNCOMPRESSED} bytes uncompressed")
    return out

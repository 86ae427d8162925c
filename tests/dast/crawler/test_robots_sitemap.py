"""robots.txt hints and sitemap parsing."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.crawler.robots import parse_robots
from bastion.dast.crawler.sitemap import SitemapError, parse_sitemap

ROBOTS = """# comment
User-agent: *
Disallow: /admin/   # keep out
Disallow: /private/*.php$
Allow: /public
Disallow:
Disallow: relative
Sitemap: https://site.test/sitemap-pages.xml
SITEMAP: /sitemap-news.xml
nonsense line
"""


def test_robots_paths_and_sitemaps() -> None:
    hints = parse_robots(ROBOTS)
    assert hints.paths == ("/admin/", "/private/", "/public")
    assert hints.sitemaps == ("https://site.test/sitemap-pages.xml", "/sitemap-news.xml")


URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc> https://site.test/a </loc><lastmod>2024-01-01</lastmod></url>
  <url><loc>https://site.test/b?x=1&amp;y=2</loc></url>
  <url><loc></loc></url>
</urlset>"""

INDEX = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://site.test/s1.xml</loc></sitemap>
</sitemapindex>"""


def test_urlset() -> None:
    entries = parse_sitemap(URLSET)
    assert entries.urls == ("https://site.test/a", "https://site.test/b?x=1&y=2")
    assert entries.sitemaps == ()


def test_sitemap_index() -> None:
    assert parse_sitemap(INDEX).sitemaps == ("https://site.test/s1.xml",)


def test_gzip_and_text_sitemaps() -> None:
    assert parse_sitemap(gzip.compress(URLSET)).urls[0] == "https://site.test/a"
    text = b"https://site.test/one\n\nhttps://site.test/two\n"
    assert parse_sitemap(text).urls == ("https://site.test/one", "https://site.test/two")


@pytest.mark.parametrize(
    "data",
    [
        b"<urlset><url><loc>unclosed",
        b"<html><body>soft 404</body></html>",
        b'<!DOCTYPE x [<!ENTITY a "b">]><urlset><url><loc>&a;</loc></url></urlset>',
        b"\x1f\x8b not really gzip",
        b"just words",
        b'<?xml version="1.0" encoding="bogus"?><urlset/>',
    ],
)
def test_bad_sitemaps_raise_sitemap_error(data: bytes) -> None:
    with pytest.raises(SitemapError):
        parse_sitemap(data)


@given(st.text(max_size=2000))
def test_robots_never_raises(text: str) -> None:
    hints = parse_robots(text)
    assert all(path.startswith("/") for path in hints.paths)


xml_pieces = st.lists(
    st.binary(max_size=10)
    | st.sampled_from(
        [b"<urlset>", b"</urlset>", b"<sitemapindex>", b"<url>", b"<loc>", b"</loc>",
         b"</url>", b"<!DOCTYPE", b"<!ENTITY", b"&", b";", b"http://a/", b"\x1f\x8b", b"<?xml"]
    )
)  # fmt: skip


@given(st.binary(max_size=2000) | xml_pieces.map(b"".join))
def test_sitemap_raises_only_sitemap_error(data: bytes) -> None:
    try:
        entries = parse_sitemap(data)
    except SitemapError:
        return
    assert isinstance(entries.urls, tuple)

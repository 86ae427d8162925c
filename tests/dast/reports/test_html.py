from __future__ import annotations

from html.parser import HTMLParser

from bastion.dast.reports.html import render, safe_href
from tests.dast.reports.factories import empty_report, hostile_report, mixed_report


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text, as a browser would parse it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


def test_hostile_text_is_escaped_everywhere() -> None:
    html = render(hostile_report())
    parsed = parse(html)
    names = {tag for tag, _ in parsed.tags}
    assert "script" not in names
    assert "img" not in names
    for _, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs)
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("#", "http://", "https://")), href
    assert "<script>alert('x')</script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    # The escaped payload reads back as the original text.
    assert any("<script>alert('x')</script>" in chunk for chunk in parsed.text)


def test_a_readable_self_contained_report() -> None:
    html = render(mixed_report())
    parsed = parse(html)
    names = [tag for tag, _ in parsed.tags]
    assert "style" in names
    assert not any(tag in {"link", "script", "iframe"} for tag in names)
    text = " ".join(parsed.text)
    for expected in [
        "SQL injection (error based)",
        "Cross-site scripting (reflected)",
        "You have an error in your SQL syntax",
        "curl -i -X POST",
        "Use parameterised queries.",
        "CWE-89",
    ]:
        assert expected in text
    sections = [attrs.get("id") for tag, attrs in parsed.tags if tag == "section"]
    assert [s for s in sections if s and s.startswith("finding-")] == [
        "finding-1",
        "finding-2",
        "finding-3",
    ]
    hrefs = [attrs.get("href") for tag, attrs in parsed.tags if tag == "a"]
    assert "https://owasp.org/www-community/attacks/SQL_Injection" in hrefs
    assert not any(h and h.startswith("javascript:") for h in hrefs)


def test_an_empty_report_says_why_it_stopped() -> None:
    text = " ".join(parse(render(empty_report())).text)
    assert "No findings on http://shop.test:8080/" in text
    assert "target unreachable: connection refused" in text


def test_only_web_urls_become_links() -> None:
    assert safe_href("https://x.test/a") == "https://x.test/a"
    assert safe_href("HTTP://x.test/") == "HTTP://x.test/"
    assert safe_href("javascript:alert(1)") is None
    assert safe_href("data:text/html,<b>") is None
    assert safe_href("http://[::1") is None

"""Detectors every active rule shares: reading evidence out of a response body, and
telling whether two responses show the same page.

Evidence often reaches the page encoded (file contents or command output HTML-escaped
into a ``<pre>``, a value URL-encoded into a link), so searches look at the decoded forms
too. Page comparison is for differential (boolean) checks: the payload itself, numbers,
dates and random tokens are taken out before comparing, so a page that merely echoes
what it was sent, or shows the time, does not look like a different page.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, unquote

from bastion.dast.model import HttpResponse

# Pages larger than this are compared on their first part only (enough to tell pages
# apart, and token counting stays cheap on a 2 MB response).
_COMPARE_CHARS = 200_000


# -- evidence -------------------------------------------------------------------------


def decoded_variants(text: str) -> tuple[str, ...]:
    """``text`` as it came, HTML-unescaped, URL-decoded and both (distinct ones only)."""
    variants = [text]
    unescaped = html.unescape(text)
    for candidate in (unescaped, unquote(text), unquote(unescaped)):
        if candidate not in variants:
            variants.append(candidate)
    return tuple(variants)


def search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of ``pattern`` in any decoded form of ``text``."""
    for variant in decoded_variants(text):
        match = pattern.search(variant)
        if match is not None:
            return match
    return None


def find_text(text: str, needle: str) -> str | None:
    """An excerpt around ``needle`` when it occurs in a decoded form of ``text``."""
    for variant in decoded_variants(text):
        index = variant.find(needle)
        if index >= 0:
            return excerpt(variant, index, index + len(needle))
    return None


def excerpt(text: str, start: int, end: int, width: int = 120) -> str:
    """``text[start:end]`` with up to ``width`` characters of context on each side,
    on one line, ellipses where it was cut."""
    begin = max(0, start - width)
    stop = min(len(text), end + width)
    snippet = text[begin:stop].replace("\r", " ").replace("\n", " ")
    return ("…" if begin else "") + snippet + ("…" if stop < len(text) else "")


def match_excerpt(match: re.Match[str], width: int = 120) -> str:
    return excerpt(match.string, match.start(), match.end(), width)


# -- page comparison ------------------------------------------------------------------

# Values that change on every load: UUIDs, long random tokens (CSRF, nonces, session
# ids: letters and digits mixed), hex ids, then any number (times, dates, counters).
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TOKEN_RUN = re.compile(r"[A-Za-z0-9+/_=-]{16,}")
_HEX = re.compile(r"\b[0-9a-fA-F]{8,}\b")
_NUMBER = re.compile(r"\d+")
_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[A-Za-z]")
_TOKEN = re.compile(r"\w+")


def payload_forms(payload: str) -> set[str]:
    """The ways a page may echo ``payload``: raw, HTML-escaped, URL- and JSON-encoded."""
    forms = {
        payload,
        html.escape(payload),
        html.escape(payload, quote=False),
        html.escape(payload).replace("&#x27;", "&#39;"),
        html.escape(payload).replace("&#x27;", "&apos;").replace("&quot;", "&#34;"),
        quote(payload, safe=""),
        quote_plus(payload, safe=""),
        quote(payload),
        json.dumps(payload)[1:-1],
        json.dumps(payload, ensure_ascii=False)[1:-1],
    }
    forms.discard("")
    return forms


def normalise(text: str, payloads: Iterable[str] = ()) -> str:
    """``text`` without the echoed ``payloads`` and without volatile values."""
    text = text[:_COMPARE_CHARS]
    forms = sorted({form for p in payloads for form in payload_forms(p)}, key=len, reverse=True)
    for form in forms:
        text = text.replace(form, " ")
    text = _UUID.sub("0", text)
    text = _TOKEN_RUN.sub(_random_token, text)
    text = _HEX.sub("0", text)
    return _NUMBER.sub("0", text)


def _random_token(match: re.Match[str]) -> str:
    token = match.group(0)
    return "0" if _HAS_DIGIT.search(token) and _HAS_LETTER.search(token) else token


def similarity(first: str, second: str) -> float:
    """Multiset Jaccard similarity of the word tokens of two (normalised) texts, 0…1."""
    a = Counter(_TOKEN.findall(first))
    b = Counter(_TOKEN.findall(second))
    union = sum((a | b).values())
    if not union:
        return 1.0 if first.strip() == second.strip() else 0.0
    return sum((a & b).values()) / union


class PageComparer:
    """Compares responses after removing the payloads of one differential test.

    ``same`` and ``different`` are deliberately not complements: pages in between
    (slightly different) are neither, and a differential check concludes nothing.
    """

    SAME = 0.98
    DIFFERENT = 0.90

    def __init__(self, payloads: Iterable[str] = ()) -> None:
        self._payloads = tuple(p for p in payloads if p)
        self._cache: dict[HttpResponse, str] = {}

    def _text(self, response: HttpResponse) -> str:
        if response not in self._cache:
            self._cache[response] = normalise(response.text, self._payloads)
        return self._cache[response]

    def score(self, first: HttpResponse, second: HttpResponse) -> float:
        if first.status != second.status:
            return 0.0
        a, b = self._text(first), self._text(second)
        if a == b:
            return 1.0
        return similarity(a, b)

    def same(self, first: HttpResponse, second: HttpResponse) -> bool:
        return self.score(first, second) >= self.SAME

    def different(self, first: HttpResponse, second: HttpResponse) -> bool:
        return self.score(first, second) < self.DIFFERENT


# -- status changes -------------------------------------------------------------------


def is_success(response: HttpResponse) -> bool:
    return 200 <= response.status < 300


def server_error_flip(baseline: HttpResponse, broken: HttpResponse, benign: HttpResponse) -> bool:
    """``broken`` failed with a 5xx where the baseline succeeded, and a benign variant of
    the same payload succeeds again with the baseline's status: the payload's syntax,
    not the server's mood, caused the error."""
    return is_success(baseline) and broken.status >= 500 and benign.status == baseline.status

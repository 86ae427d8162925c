"""URLs that JavaScript mentions: ``fetch``/XMLHttpRequest/jQuery/axios calls (with the
method, content type and body when they are written out) and any string literal that
looks like a path or URL.

Regular expressions over the source, not a JavaScript parser: minified bundles of
megabytes must scan in milliseconds, and a guess that misses a concatenated URL is still
better than no guess. Never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

import orjson

MAX_SOURCE_CHARS = 4 * 1024 * 1024
_WINDOW = 600  # characters after a call in which its options object is looked for
_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})


def _string(tag: str) -> str:
    """A JavaScript string literal whose content is one of the groups ``<tag>a|b|c``."""
    return (
        rf"""(?:'(?P<{tag}a>(?:[^'\\\n]|\\.){{0,2000}})'"""
        rf"""|"(?P<{tag}b>(?:[^"\\\n]|\\.){{0,2000}})\""""
        rf"""|`(?P<{tag}c>(?:[^`\\]|\\.){{0,2000}})`)"""
    )


_ANY_STRING = re.compile(_string("s"))
_FETCH = re.compile(rf"\bfetch\s*\(\s*{_string('u')}")
_XHR_OPEN = re.compile(rf"\.open\s*\(\s*{_string('m')}\s*,\s*{_string('u')}")
_SHORTHAND = re.compile(
    rf"(?:\$|\bjQuery|\baxios)\s*\.\s*(?P<fn>get|post|put|delete|patch|head|options|getJSON)"
    rf"\s*\(\s*{_string('u')}"
)
_URL_PROPERTY = re.compile(rf"""\b["']?url["']?\s*:\s*{_string("u")}""")
_METHOD_PROPERTY = re.compile(rf"""\b["']?(?:method|type)["']?\s*:\s*{_string("v")}""")
_CONTENT_TYPE = re.compile(rf"""["']?content-type["']?\s*[:,]\s*{_string("v")}""", re.IGNORECASE)
_JSON_BODY = re.compile(r"JSON\s*\.\s*stringify\s*\(\s*(\{[^{}]{0,2000}\})")
_FORM_BODY = re.compile(r"new\s+URLSearchParams\s*\(\s*(\{[^{}]{0,2000}\})")
_LITERAL_BODY = re.compile(rf"(?:\bbody\s*:|\.send\s*\()\s*{_string('v')}")
_TEMPLATE_HOLE = re.compile(r"\$\{[^}]{0,200}\}")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")

_SAFE = r"A-Za-z0-9_\-.~%!&,;=:@/?#+"
_ABSOLUTE = re.compile(rf"https?://[A-Za-z0-9.\-]+(?::\d{{1,5}})?(?:[/?#][{_SAFE}]*)?", re.I)
_PROTOCOL_RELATIVE = re.compile(
    rf"//[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+(?::\d{{1,5}})?(?:/[{_SAFE}]*)?"
)
_PATH = re.compile(rf"(?:/|\./|\.\./)[A-Za-z0-9_\-.~%][{_SAFE}]*")
_PAGE = re.compile(
    r"[A-Za-z0-9_\-.~%/]*[A-Za-z0-9_\-~%]\.(?:php\d?|aspx?|ashx|asmx|jspx?|do|action|cgi|pl|py"
    rf"|rb|json|html?|shtml|xml|cfm)(?:\?[{_SAFE}]*)?",
    re.I,
)
_API = re.compile(rf"(?:api|rest|graphql|v\d+)/[{_SAFE}]*", re.I)


@dataclass(frozen=True, slots=True)
class ScriptRef:
    """A URL the script may request, as written (often relative); the rest is known only
    when the call spells it out."""

    url: str
    method: str | None = None
    content_type: str | None = None
    body: str | None = None


def extract_urls(source: str) -> list[ScriptRef]:
    source = source[:MAX_SOURCE_CHARS]
    refs: dict[tuple[str, str | None], ScriptRef] = {}
    known: set[str] = set()  # URLs already found, with or without a method

    def add(ref: ScriptRef) -> None:
        # A bare string literal adds nothing to a call already found for its URL.
        if ref.method is None and ref.url in known:
            return
        refs.setdefault((ref.url, ref.method), ref)
        known.add(ref.url)

    calls = sorted(
        [*_FETCH.finditer(source), *_XHR_OPEN.finditer(source), *_SHORTHAND.finditer(source)],
        key=lambda match: match.start(),
    )
    for index, match in enumerate(calls):
        url = _clean(_group(match, "u"))
        if not looks_like_url(url):
            continue
        stop = calls[index + 1].start() if index + 1 < len(calls) else len(source)
        window = source[match.end() : min(match.end() + _WINDOW, stop)]
        if match.re is _XHR_OPEN:
            method: str | None = _group(match, "m").upper()
        elif match.re is _SHORTHAND:
            function = match.group("fn").lower()
            method = "GET" if function == "getjson" else function.upper()
        else:
            found = _METHOD_PROPERTY.search(window)
            method = _group(found, "v").upper() if found else "GET"
        if method not in _METHODS:
            continue
        add(_with_body(url, method, window))

    for match in _URL_PROPERTY.finditer(source):
        url = _clean(_group(match, "u"))
        if not looks_like_url(url):
            continue
        around = source[max(0, match.start() - _WINDOW // 2) : match.end() + _WINDOW // 2]
        found = _METHOD_PROPERTY.search(around)
        method = _group(found, "v").upper() if found else None
        if method is not None and method not in _METHODS:
            method = None
        add(_with_body(url, method, around) if method not in {None, "GET"} else ScriptRef(url))

    for match in _ANY_STRING.finditer(source):
        url = _clean(_group(match, "s"))
        if looks_like_url(url):
            add(ScriptRef(url))
    return list(refs.values())


def looks_like_url(text: str) -> bool:
    """An absolute http(s) URL, an absolute or explicitly relative path, a file with a
    server-side extension, or an ``api/…`` path; not MIME types, dates or prose."""
    if not text or len(text) > 2000 or text in {"/", "./", "../"}:
        return False
    if text.startswith("//"):
        return bool(_PROTOCOL_RELATIVE.fullmatch(text))
    return bool(
        _ABSOLUTE.fullmatch(text)
        or _PATH.fullmatch(text)
        or _PAGE.fullmatch(text)
        or _API.fullmatch(text)
    )


def _with_body(url: str, method: str | None, window: str) -> ScriptRef:
    content_type = None
    found = _CONTENT_TYPE.search(window)
    if found:
        content_type = _group(found, "v").strip() or None
    body: str | None = None
    json_body = _JSON_BODY.search(window)
    form_body = _FORM_BODY.search(window)
    literal = _LITERAL_BODY.search(window)
    if json_body:
        body = orjson.dumps(_object_literal(json_body.group(1))).decode()
        content_type = content_type or "application/json"
    elif form_body:
        body = urlencode(list(_object_literal(form_body.group(1)).items()))
        content_type = content_type or "application/x-www-form-urlencoded"
    elif literal:
        body = _clean(_group(literal, "v"))
        if content_type is None:
            stripped = body.lstrip()
            if stripped.startswith("<"):
                content_type = "application/xml"
            elif stripped.startswith(("{", "[")):
                content_type = "application/json"
            else:
                content_type = "application/x-www-form-urlencoded"
    return ScriptRef(url, method, content_type, body)


def _object_literal(text: str) -> dict[str, object]:
    """``{a: 1, "b": 'x', c, d: someVar}`` → ``{"a": 1, "b": "x", "c": …, "d": …}``:
    flat literals only; anything computed gets a placeholder string."""
    result: dict[str, object] = {}
    for piece in text.strip()[1:-1].split(","):
        key, colon, value = piece.partition(":")
        key = key.strip().strip("'\"`")
        if not re.fullmatch(r"[\w$\-]{1,100}", key):
            continue
        result[key] = _literal_value(value.strip()) if colon else "bastion"
    return result


def _literal_value(text: str) -> object:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return _clean(text[1:-1])
    if text in {"true", "false"}:
        return text == "true"
    if text == "null":
        return None
    if re.fullmatch(r"-?\d{1,15}", text):
        return int(text)
    if re.fullmatch(r"-?\d{1,15}\.\d{1,15}", text):
        return float(text)
    return "bastion"


def _group(match: re.Match[str] | None, tag: str) -> str:
    if match is None:
        return ""
    for suffix in "abc":
        value = match.group(f"{tag}{suffix}")
        if value is not None:
            return value
    return ""


def _clean(text: str) -> str:
    """Undo the escapes URLs are written with and fill template holes with a value."""
    text = _TEMPLATE_HOLE.sub("1", text)
    text = _UNICODE_ESCAPE.sub(_unescape, text)
    return text.replace("\\/", "/").strip()


def _unescape(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return "" if 0xD800 <= code <= 0xDFFF else chr(code)  # lone surrogates cannot be sent

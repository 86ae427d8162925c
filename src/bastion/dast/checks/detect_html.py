"""Where a reflected value lands in an HTML page, and whether an injected payload became
markup or script a browser would run.

Reflection alone is not cross-site scripting: the proof is that the page, parsed the
way a browser parses it (lexbor, an HTML5-conformant parser), contains an element or
attribute the payload created, or script code the payload broke out into.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import StrEnum

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bastion.dast.model import HttpResponse

# Types a browser renders as HTML (no type: browsers sniff, and often land on HTML).
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", ""})
# Elements whose content is text up to their own end tag.
RAWTEXT_ELEMENTS = (
    "title",
    "textarea",
    "style",
    "xmp",
    "noscript",
    "iframe",
    "noembed",
    "noframes",
)
# Attributes whose value a browser may load as a URL (javascript: runs).
_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "data", "xlink:href"})
# <script type> values browsers execute (empty: no type attribute).
_SCRIPT_TYPES = frozenset(
    {
        "",
        "text/javascript",
        "application/javascript",
        "module",
        "text/ecmascript",
        "application/ecmascript",
        "text/jscript",
    }
)
_IDENTIFIER = re.compile(r"[\w$]")
_MAX_TAG = 4096
_CONTROL = re.compile(r"[\x00-\x20]+")


def is_html(response: HttpResponse) -> bool:
    return response.content_type in _HTML_TYPES


def parse(text: str) -> LexborHTMLParser:
    return LexborHTMLParser(text)


class Context(StrEnum):
    HTML = "html"  # between tags
    RAWTEXT = "rawtext"  # inside <title>, <textarea>, <style>…
    COMMENT = "comment"
    SCRIPT = "script"  # inside a <script> block
    ATTRIBUTE = "attribute"  # inside a tag, in or around an attribute value
    EVENT = "event"  # the value of an on* event handler attribute
    URL = "url"  # the start of an href/src/action value


@dataclass(frozen=True, slots=True)
class Reflection:
    context: Context
    # RAWTEXT: the element; ATTRIBUTE/EVENT/URL: the quote around the value ("" when
    # unquoted); SCRIPT/EVENT: the JavaScript string the value sits in ("" in code).
    detail: str = ""
    js_quote: str = ""


# The attribute a position inside a tag belongs to: name, quote, value so far.
_ATTRIBUTE_TAIL = re.compile(
    r"""([^\s=/>"']+)\s*=\s*(?:"(?P<dq>[^"]*)|'(?P<sq>[^']*)|(?P<uq>[^\s"'>]*))$"""
)


def reflections(text: str, marker: str) -> list[Reflection]:
    """The distinct contexts ``marker`` appears in, classified from the raw text."""
    lower = text.lower()
    found: list[Reflection] = []
    start = 0
    while len(found) < 20:
        index = text.find(marker, start)
        if index < 0:
            break
        start = index + len(marker)
        reflection = _classify(text, lower, index)
        if reflection not in found:
            found.append(reflection)
    return found


def _open_block(lower: str, index: int, tag: str) -> int | None:
    """Where the content of an unclosed ``<tag …>`` before ``index`` starts."""
    opening = lower.rfind(f"<{tag}", 0, index)
    if opening < 0:
        return None
    after = lower[opening + len(tag) + 1 : opening + len(tag) + 2]
    if after and not (after.isspace() or after in "/>"):
        return None
    content = lower.find(">", opening, index)
    if content < 0 or lower.find(f"</{tag}", content, index) >= 0:
        return None
    return content + 1


def _classify(text: str, lower: str, index: int) -> Reflection:
    script = _open_block(lower, index, "script")
    if script is not None:
        return Reflection(Context.SCRIPT, js_quote=js_string_state(text[script:index]))
    for tag in RAWTEXT_ELEMENTS:
        if _open_block(lower, index, tag) is not None:
            return Reflection(Context.RAWTEXT, tag)
    comment = lower.rfind("<!--", 0, index)
    if comment >= 0 and lower.find("-->", comment + 4, index) < 0:
        return Reflection(Context.COMMENT)
    tag_open = text.rfind("<", 0, index)
    if tag_open > text.rfind(">", 0, index):
        # Bounded: the attribute regex is anchored at the end and would be quadratic on
        # a huge unterminated tag.
        chunk = text[max(tag_open, index - _MAX_TAG) : index]
        match = _ATTRIBUTE_TAIL.search(chunk)
        if match is None:
            return Reflection(Context.ATTRIBUTE)
        name = match.group(1).lower()
        quote = (
            '"' if match.group("dq") is not None else "'" if match.group("sq") is not None else ""
        )
        before = match.group("dq") or match.group("sq") or match.group("uq") or ""
        if name.startswith("on"):
            return Reflection(Context.EVENT, quote, js_string_state(html.unescape(before)))
        if name in _URL_ATTRIBUTES:
            return Reflection(Context.URL, quote)
        return Reflection(Context.ATTRIBUTE, quote)
    return Reflection(Context.HTML)


# -- JavaScript -----------------------------------------------------------------------


def _scan_js(code: str) -> tuple[list[tuple[int, int]], str]:
    """The spans of ``code`` that are code (outside strings and comments), and the state
    at its end: ``""`` in code, the quote character in a string, ``"/"`` in a comment.
    Regular-expression literals are not recognised (read as division): good enough to
    tell whether a payload left a string."""
    spans: list[tuple[int, int]] = []
    state = ""
    span_start = 0
    templates: list[int] = []  # brace depth at each open ${ … } inside a template string
    depth = 0
    index = 0
    length = len(code)
    while index < length:
        char = code[index]
        if state == "":
            if char in "'\"`":
                spans.append((span_start, index))
                state = char
            elif code.startswith("//", index) or code.startswith("/*", index):
                spans.append((span_start, index))
                state = "//" if code[index + 1] == "/" else "/*"
                index += 1
            elif char == "{":
                depth += 1
            elif char == "}":
                if templates and templates[-1] == depth:
                    templates.pop()
                    spans.append((span_start, index))
                    state = "`"
                else:
                    depth -= 1
        elif state in "'\"":
            if char == "\\":
                index += 1
            elif char in (state, "\n"):
                state = ""
                span_start = index + 1
        elif state == "`":
            if char == "\\":
                index += 1
            elif char == "`":
                state = ""
                span_start = index + 1
            elif code.startswith("${", index):
                templates.append(depth)
                state = ""
                index += 1
                span_start = index + 1
        elif state == "//":
            if char == "\n":
                state = ""
                span_start = index + 1
        elif state == "/*" and code.startswith("*/", index):
            state = ""
            index += 1
            span_start = index + 1
        index += 1
    if state == "":
        spans.append((span_start, length))
    return spans, state


def js_string_state(code: str) -> str:
    """The quote of the string literal open at the end of ``code`` ("" in code,
    "/" inside a comment)."""
    state = _scan_js(code)[1]
    return "/" if state in ("//", "/*") else state


def token_in_code(code: str, token: str) -> bool:
    """``token`` appears as a whole identifier outside any string or comment."""
    spans, _ = _scan_js(code)
    for start, end in spans:
        index = code.find(token, start, end)
        while index >= 0:
            before = code[index - 1] if index > 0 else ""
            after_index = index + len(token)
            after = code[after_index] if after_index < len(code) else ""
            if not _IDENTIFIER.match(before or " ") and not _IDENTIFIER.match(after or " "):
                return True
            index = code.find(token, index + 1, end)
    return False


# -- proofs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proof:
    """What the parsed page shows: ``where`` names the element/attribute/script."""

    where: str


def _nodes(tree: LexborHTMLParser) -> list[LexborNode]:
    return list(tree.css("*"))


def injected_element(text: str, tag: str) -> Proof | None:
    """An element named ``tag`` exists in the parsed page."""
    node = parse(text).css_first(tag)
    if node is None:
        return None
    return Proof(f"a <{tag}> element")


def injected_attribute(text: str, token: str) -> Proof | None:
    """An on* event handler whose code runs ``token``, or a URL attribute holding a
    ``javascript:`` URL with ``token``."""
    for node in _nodes(parse(text)):
        for name, value in node.attributes.items():
            if value is None or token not in value:
                continue
            lowered = name.lower()
            if lowered.startswith("on") and token_in_code(value, token):
                return Proof(f"the {lowered} handler of a <{node.tag}> element")
            if lowered in _URL_ATTRIBUTES:
                cleaned = _CONTROL.sub("", value).lower()
                if cleaned.startswith("javascript:") and token_in_code(value, token):
                    return Proof(f"a javascript: URL in the {lowered} of a <{node.tag}>")
    return None


def injected_script(text: str, token: str) -> Proof | None:
    """``token`` runs as code in a <script> block or an event handler."""
    tree = parse(text)
    for node in tree.css("script"):
        kind = (node.attributes.get("type") or "").strip().lower()
        if kind in _SCRIPT_TYPES and token_in_code(node.text(deep=True), token):
            return Proof("code of a <script> block")
    return injected_attribute(text, token)

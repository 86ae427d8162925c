"""What one HTML page offers the crawler: links, forms with every control, frames, meta
refresh, and the JavaScript it runs (linked files and inline code).

Parsing is selectolax's lexbor engine (a C HTML5 parser: a few milliseconds per page,
which is what lets a 2,500-page site fit in the scan budget). Never raises: a page the
parser cannot make sense of simply offers less.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bastion.dast.crawler.frontier import normalize_url

FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
_ENCTYPES = frozenset({FORM_URLENCODED, MULTIPART, "text/plain"})
_INPUT_TYPES = frozenset(
    {
        "hidden", "text", "search", "tel", "url", "email", "password", "date", "month",
        "week", "time", "datetime-local", "number", "range", "color", "checkbox", "radio",
        "file", "submit", "image", "reset", "button",
    }
)  # fmt: skip
_HANDLERS = "[onclick],[onsubmit],[onchange],[onload],[oninput],[onmouseover],[onkeyup]"
_REFRESH = re.compile(r"^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(.*)$", re.IGNORECASE | re.DOTALL)
_MAX_TEXT = 200  # link text kept for logout detection; longer text says nothing more


class LinkKind(StrEnum):
    ANCHOR = "anchor"  # <a>, <area>, data-url/data-href attributes
    LINK = "link"  # <link href>
    FRAME = "frame"  # <frame>, <iframe>
    REFRESH = "refresh"  # <meta http-equiv=refresh>


@dataclass(frozen=True, slots=True)
class Link:
    url: str  # absolute, normalised, no fragment
    kind: LinkKind
    text: str = ""


@dataclass(frozen=True, slots=True)
class FormControl:
    """One successful-control candidate. ``kind`` is the input type (``text``,
    ``hidden``, ``checkbox``…), or ``select``, ``textarea``, ``button``."""

    name: str
    kind: str
    value: str
    checked: bool = False
    minimum: str | None = None
    maximum: str | None = None
    max_length: int | None = None
    # Submit buttons may override where and how the form goes.
    form_action: str | None = None
    form_method: str | None = None
    form_enctype: str | None = None

    @property
    def is_submit(self) -> bool:
        return self.kind in {"submit", "image", "button"}


@dataclass(frozen=True, slots=True)
class Form:
    action: str  # absolute URL
    method: str  # "GET" or "POST"
    enctype: str
    controls: tuple[FormControl, ...]

    @property
    def has_password(self) -> bool:
        return any(control.kind == "password" for control in self.controls)


@dataclass(frozen=True, slots=True)
class Page:
    links: tuple[Link, ...] = ()
    forms: tuple[Form, ...] = ()
    scripts: tuple[str, ...] = ()  # absolute URLs of <script src>
    inline_scripts: tuple[str, ...] = ()  # script bodies, event handlers, javascript: URLs

    @property
    def has_scripts(self) -> bool:
        return bool(self.scripts or self.inline_scripts)


def parse_page(html: str, url: str) -> Page:
    """Everything the page at ``url`` links to or submits."""
    tree = LexborHTMLParser(html)
    base = url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = _resolve(url, base_node.attributes.get("href")) or url

    links: list[Link] = []
    inline: list[str] = []
    for node in tree.css("a[href], area[href]"):
        href = node.attributes.get("href") or ""
        if href.strip().lower().startswith("javascript:"):
            inline.append(href.strip()[len("javascript:") :])
            continue
        _add_link(links, base, href, LinkKind.ANCHOR, node.text(strip=True)[:_MAX_TEXT])
    for node in tree.css("[data-url], [data-href]"):
        for attribute in ("data-url", "data-href"):
            _add_link(links, base, node.attributes.get(attribute), LinkKind.ANCHOR)
    for node in tree.css("link[href]"):
        _add_link(links, base, node.attributes.get("href"), LinkKind.LINK)
    for node in tree.css("frame[src], iframe[src]"):
        _add_link(links, base, node.attributes.get("src"), LinkKind.FRAME)
    for node in tree.css("meta[http-equiv]"):
        if (node.attributes.get("http-equiv") or "").strip().lower() == "refresh":
            target = _refresh_target(node.attributes.get("content") or "")
            if target:
                _add_link(links, base, target, LinkKind.REFRESH)

    scripts: list[str] = []
    for node in tree.css("script"):
        src = node.attributes.get("src")
        if src is not None:
            resolved = _resolve(base, src)
            if resolved is not None and resolved not in scripts:
                scripts.append(resolved)
        else:
            text = node.text(deep=True)
            if text.strip():
                inline.append(text)
    for node in tree.css(_HANDLERS):
        inline.extend(
            value for key, value in node.attributes.items() if key.startswith("on") and value
        )

    return Page(
        links=tuple(links),
        forms=tuple(_forms(tree, url, base)),
        scripts=tuple(scripts),
        inline_scripts=tuple(inline),
    )


def _forms(tree: LexborHTMLParser, url: str, base: str) -> list[Form]:
    form_nodes = tree.css("form")
    if not form_nodes:
        return []
    by_node = {node.mem_id: index for index, node in enumerate(form_nodes)}
    by_id = {
        node.attributes["id"]: index
        for index, node in enumerate(form_nodes)
        if node.attributes.get("id")
    }
    controls: list[list[FormControl]] = [[] for _ in form_nodes]
    # Controls in document order; a form="id" attribute beats the enclosing form.
    for node in tree.css("input, select, textarea, button"):
        if "disabled" in node.attributes:
            continue
        owner_id = node.attributes.get("form")
        owner = by_id.get(owner_id) if owner_id else _enclosing_form(node, by_node)
        if owner is None:
            continue
        control = _control(node, base)
        if control is not None:
            controls[owner].append(control)

    forms = []
    for index, node in enumerate(form_nodes):
        method = (node.attributes.get("method") or "get").strip().lower()
        if method == "dialog":
            continue  # closes a <dialog>; nothing is sent
        enctype = (node.attributes.get("enctype") or "").strip().lower()
        action_attr = (node.attributes.get("action") or "").strip()
        action = _resolve(base, action_attr) if action_attr else normalize_url(url)
        if action is None:
            continue
        forms.append(
            Form(
                action=action,
                method="POST" if method == "post" else "GET",
                enctype=enctype if enctype in _ENCTYPES else FORM_URLENCODED,
                controls=tuple(controls[index]),
            )
        )
    return forms


def _enclosing_form(node: LexborNode, by_node: dict[int, int]) -> int | None:
    parent = node.parent
    while parent is not None:
        if parent.tag == "form":
            return by_node.get(parent.mem_id)
        parent = parent.parent
    return None


def _control(node: LexborNode, base: str) -> FormControl | None:
    attributes = node.attributes
    name = attributes.get("name") or ""
    tag = node.tag
    if tag == "select":
        return FormControl(name=name, kind="select", value=_selected(node)) if name else None
    if tag == "textarea":
        return (
            FormControl(
                name=name,
                kind="textarea",
                value=node.text(deep=True),
                max_length=_int(attributes.get("maxlength")),
            )
            if name
            else None
        )
    if tag == "button":
        kind = (attributes.get("type") or "submit").strip().lower()
        if kind != "submit":
            return None  # reset and plain buttons submit nothing
        return _submit(name, "button", attributes, base)
    kind = (attributes.get("type") or "text").strip().lower()
    if kind not in _INPUT_TYPES:
        kind = "text"  # what browsers do with unknown types
    if kind in {"reset", "button"}:
        return None
    if kind in {"submit", "image"}:
        return _submit(name, kind, attributes, base)
    if not name:
        return None
    value = attributes.get("value")
    if kind in {"checkbox", "radio"}:
        return FormControl(
            name=name,
            kind=kind,
            value="on" if value is None else value,
            checked="checked" in attributes,
        )
    return FormControl(
        name=name,
        kind=kind,
        value=value or "",
        minimum=attributes.get("min"),
        maximum=attributes.get("max"),
        max_length=_int(attributes.get("maxlength")),
    )


def _submit(name: str, kind: str, attributes: dict[str, str | None], base: str) -> FormControl:
    action = attributes.get("formaction")
    method = (attributes.get("formmethod") or "").strip().lower()
    enctype = (attributes.get("formenctype") or "").strip().lower()
    return FormControl(
        name=name,
        kind=kind,
        value=attributes.get("value") or "",
        form_action=_resolve(base, action) if action and action.strip() else None,
        form_method=method.upper() if method in {"get", "post"} else None,
        form_enctype=enctype if enctype in _ENCTYPES else None,
    )


def _selected(select: LexborNode) -> str:
    """The value a browser submits: the (last) selected option, else the first one."""
    options = select.css("option")
    if not options:
        return ""
    chosen = options[0]
    for option in options:
        if "selected" in option.attributes:
            chosen = option
    value = chosen.attributes.get("value")
    return value if value is not None else chosen.text(deep=True, strip=True)


def _refresh_target(content: str) -> str | None:
    match = _REFRESH.match(content)
    if match is None:
        return None
    target = match.group(1).strip().strip("'\"").strip()
    return target or None


def _add_link(
    links: list[Link], base: str, href: str | None, kind: LinkKind, text: str = ""
) -> None:
    resolved = _resolve(base, href)
    if resolved is not None:
        links.append(Link(resolved, kind, text))


def _resolve(base: str, href: str | None) -> str | None:
    """``href`` made absolute and normalised; None for non-HTTP schemes and garbage."""
    if href is None:
        return None
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        joined = urljoin(base, href)
    except ValueError:
        return None
    return normalize_url(joined)


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None

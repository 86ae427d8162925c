"""Every place of a request a payload can go, and putting a payload there.

``insertion_points`` reads a request the crawler recorded; ``inject`` returns a copy with
one point's value replaced (or appended to) and the body re-encoded the way its
``content_type`` says, so the server parses the payload back as the value it replaced.

Payloads are what the application should see after the usual decoding: a query or path
payload is percent-encoded on the wire, a JSON payload becomes a JSON string, an XML
payload is escaped. Rules that need a raw encoding on the wire (double-encoded traversal,
``%0d%0a``) say so in the payload itself.

Nothing here trusts the request: malformed URLs, JSON or XML yield fewer points, never an
exception. XML is parsed with ``defusedxml`` (no entities, no network) and edited in place
by byte offsets, so the rest of the document (declaration, namespace prefixes, comments)
stays exactly as the crawler saw it.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import SplitResult, quote, unquote, unquote_plus, urlsplit, urlunsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from bastion.dast.model import Headers, HttpRequest, InsertionPoint, Location

# Headers a payload never goes into: the client sets them, or they have their own points.
_SKIPPED_HEADERS = frozenset({"host", "content-length", "cookie"})
# Injected even when the request lacks them: applications log and display both.
DEFAULT_USER_AGENT = "Mozilla/5.0 (compatible; bastion-dast)"
# An extra header whose name is the payload (HEADER_NAME points).
EXTRA_HEADER = "X-Bastion"

# Bodies are attacker-independent but may be huge; past these limits the rest of a body
# is not probed (the first parameters of a form are the interesting ones anyway).
MAX_BODY_POINTS = 256
MAX_DEPTH = 64


# -- public API -----------------------------------------------------------------------


def insertion_points(request: HttpRequest) -> list[InsertionPoint]:
    """Every insertion point of ``request``, in request order: URL, body, cookies,
    headers. Never raises."""
    points: list[InsertionPoint] = []
    parts = _split_url(request.url)
    if parts is not None:
        points += _path_points(parts.path)
        for name, value in _pairs(parts.query, plus=True):
            points.append(InsertionPoint(Location.QUERY, name, value))
            points.append(InsertionPoint(Location.QUERY_NAME, name, name))
    points += _body_points(request)
    points += [InsertionPoint(Location.COOKIE, name, value) for name, value in request.cookies]
    seen: set[str] = set()
    for name, value in _headers_with_defaults(request):
        if name.lower() in _SKIPPED_HEADERS or name.lower() in seen:
            continue
        seen.add(name.lower())
        points.append(InsertionPoint(Location.HEADER, name, value))
    points.append(InsertionPoint(Location.HEADER_NAME, EXTRA_HEADER, EXTRA_HEADER))
    # A repeated parameter name is one name point (its values stay separate points).
    return list(dict.fromkeys(points))


def inject(
    request: HttpRequest, point: InsertionPoint, payload: str, *, append: bool = False
) -> HttpRequest:
    """A copy of ``request`` with ``payload`` at ``point``: replacing the value there, or
    after it when ``append``. A point the request does not have (any more) is added where
    that makes sense (query, form field, cookie, header) and ignored otherwise."""
    text = point.value + payload if append else payload
    location = point.location
    if location in (Location.QUERY, Location.QUERY_NAME):
        parts = _split_url(request.url)
        if parts is None:
            return request
        query = _replace_pair(parts.query, point, text, plus=True)
        return replace(request, url=urlunsplit(parts._replace(query=query)))
    if location is Location.PATH:
        parts = _split_url(request.url)
        if parts is None:
            return request
        path = _replace_segment(parts.path, point, payload, append=append)
        return replace(request, url=urlunsplit(parts._replace(path=path)))
    if location in (Location.FORM, Location.FORM_NAME):
        return _inject_form(request, point, text)
    if location is Location.JSON:
        return _inject_json(request, point, payload, append=append)
    if location is Location.XML:
        body = _splice_xml(request.body, point.name, text)
        return request if body is None else _with_body(request, body)
    if location is Location.XML_DOCUMENT:
        return _with_body(request, text.encode("utf-8"))
    if location is Location.COOKIE:
        cookies = _replace_header(request.cookies, point.name, _cookie_value(text))
        return replace(request, cookies=cookies)
    if location is Location.HEADER:
        headers = _replace_header(request.headers, point.name, text)
        return replace(request, headers=headers)
    if location is Location.HEADER_NAME:
        return replace(request, headers=(*request.headers, (text, "1")))
    return request


# -- content types --------------------------------------------------------------------


def media_type(request: HttpRequest) -> str:
    """The body's media type, lower-cased, from ``content_type`` or the header."""
    raw = request.content_type or request.header("content-type") or ""
    return raw.split(";", 1)[0].strip().lower()


def is_xml(request: HttpRequest) -> bool:
    kind = media_type(request)
    if kind.endswith(("/xml", "+xml")):
        return True
    return not kind and request.body.lstrip()[:5] == b"<?xml"


def is_json(request: HttpRequest) -> bool:
    kind = media_type(request)
    if kind.endswith(("/json", "+json")):
        return True
    return not kind and request.body.lstrip()[:1] in (b"{", b"[")


def _content_type_param(request: HttpRequest, key: str) -> str | None:
    raw = request.content_type or request.header("content-type") or ""
    for part in raw.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.strip().lower() == key:
            return value.strip().strip('"')
    return None


def _body_points(request: HttpRequest) -> list[InsertionPoint]:
    if not request.body:
        return []
    kind = media_type(request)
    points: list[InsertionPoint] = []
    if kind == "application/x-www-form-urlencoded":
        for name, value in _pairs(_latin1(request.body), plus=True):
            points.append(InsertionPoint(Location.FORM, name, value))
            points.append(InsertionPoint(Location.FORM_NAME, name, name))
    elif kind == "multipart/form-data":
        boundary = _content_type_param(request, "boundary")
        for part in _parse_multipart(request.body, boundary or ""):
            if part.filename is None:
                value = part.content.decode("utf-8", errors="replace")
                points.append(InsertionPoint(Location.FORM, part.name, value))
                points.append(InsertionPoint(Location.FORM_NAME, part.name, part.name))
    elif is_json(request):
        points += [InsertionPoint(Location.JSON, p, v) for p, v in _json_leaves(request.body)]
    elif is_xml(request):
        points.append(
            InsertionPoint(
                Location.XML_DOCUMENT, "", request.body.decode("utf-8", errors="replace")
            )
        )
        document = parse_xml_offsets(request.body)
        if document is not None:
            points += [InsertionPoint(Location.XML, n.name, n.value) for n in document.nodes]
    return points[: MAX_BODY_POINTS * 2]


def _with_body(request: HttpRequest, body: bytes, content_type: str | None = None) -> HttpRequest:
    """``request`` with a new body: a stale Content-Length goes (the client computes it),
    a new Content-Type (multipart boundary) replaces the old one everywhere."""
    headers: list[tuple[str, str]] = []
    for name, value in request.headers:
        if name.lower() == "content-length":
            continue
        if content_type is not None and name.lower() == "content-type":
            headers.append((name, content_type))
        else:
            headers.append((name, value))
    return replace(
        request,
        body=body,
        headers=tuple(headers),
        content_type=request.content_type if content_type is None else content_type,
    )


# -- URL: query and path --------------------------------------------------------------


def _split_url(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:  # an invalid IPv6 host and the like
        return None


def _latin1(data: bytes) -> str:
    """Bytes as a str one-to-one, so untouched parts of a body go back byte-identical."""
    return data.decode("latin-1")


def _pairs(raw: str, *, plus: bool) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for chunk in raw.split("&"):
        if not chunk:
            continue
        name, _, value = chunk.partition("=")
        pairs.append((_decode_component(name, plus), _decode_component(value, plus)))
        if len(pairs) >= MAX_BODY_POINTS:
            break
    return pairs


def _decode_component(text: str, plus: bool) -> str:
    """Percent-decoded as UTF-8, leniently. Bodies arrive here as latin-1 text (one char
    per byte), so raw UTF-8 bytes in them decode too; a URL may hold raw non-latin-1
    characters, which stay as they are."""
    decode = unquote_plus if plus else unquote
    try:
        return decode(text, encoding="latin-1").encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return decode(text, encoding="utf-8", errors="replace")


def _encode_component(text: str) -> str:
    return quote(text, safe="", encoding="utf-8", errors="surrogatepass")


def _replace_pair(raw: str, point: InsertionPoint, text: str, *, plus: bool) -> str:
    """``raw`` (``a=1&b=2``) with the pair ``point`` names rewritten; other pairs keep
    their exact bytes. The pair with the point's name and value wins over an earlier
    same-named one; a missing pair is added at the end."""
    chunks = raw.split("&") if raw else []
    decoded = _pairs(raw, plus=plus) if raw else []
    nonempty = [index for index, chunk in enumerate(chunks) if chunk]
    candidates = [
        index for index, (name, value) in zip(nonempty, decoded, strict=False) if name == point.name
    ]
    exact = [
        index
        for index, (name, value) in zip(nonempty, decoded, strict=False)
        if name == point.name and value == point.value
    ]
    target = exact[0] if exact else candidates[0] if candidates else None
    if point.location in (Location.QUERY_NAME, Location.FORM_NAME):
        if target is None:
            return raw
        _, sep, value = chunks[target].partition("=")
        chunks[target] = _encode_component(text) + (sep + value if sep else "")
        return "&".join(chunks)
    encoded = f"{_encode_component(point.name)}={_encode_component(text)}"
    if target is None:
        return "&".join([*chunks, encoded]) if chunks else encoded
    name, _, _ = chunks[target].partition("=")
    chunks[target] = f"{name}={_encode_component(text)}"
    return "&".join(chunks)


def _path_points(path: str) -> list[InsertionPoint]:
    """One point per non-empty segment; the name is the segment's index counted after
    the leading slash (``/a/b`` → ``0``, ``1``), as the engine's planner expects."""
    segments = path.split("/")
    offset = 1 if path.startswith("/") else 0
    return [
        InsertionPoint(Location.PATH, str(index - offset), unquote(segment, errors="replace"))
        for index, segment in enumerate(segments)
        if segment and index >= offset
    ]


def _replace_segment(path: str, point: InsertionPoint, payload: str, *, append: bool) -> str:
    segments = path.split("/")
    offset = 1 if path.startswith("/") else 0
    try:
        index = int(point.name) + offset
    except ValueError:
        return path
    if not offset <= index < len(segments):
        return path
    encoded = _encode_component(payload)
    segments[index] = segments[index] + encoded if append else encoded
    return "/".join(segments)


# -- urlencoded and multipart bodies --------------------------------------------------


def _inject_form(request: HttpRequest, point: InsertionPoint, text: str) -> HttpRequest:
    kind = media_type(request)
    if kind == "multipart/form-data":
        boundary = _content_type_param(request, "boundary") or ""
        parts = _parse_multipart(request.body, boundary)
        targets = [p for p in parts if p.name == point.name and p.filename is None]
        exact = [p for p in targets if p.content.decode("utf-8", "replace") == point.value]
        chosen = exact[0] if exact else targets[0] if targets else None
        if chosen is None:
            if point.location is Location.FORM_NAME:
                return request
            parts.append(_Part(point.name, None, (), text.encode("utf-8", "surrogatepass")))
        elif point.location is Location.FORM_NAME:
            chosen.name = text
        else:
            chosen.content = text.encode("utf-8", "surrogatepass")
        body, content_type = _build_multipart(parts)
        return _with_body(request, body, content_type)
    # Anything else with a FORM point is urlencoded (the crawler may omit the type).
    raw = _replace_pair(_latin1(request.body), point, text, plus=True)
    result = _with_body(request, raw.encode("latin-1"))
    if not request.content_type and request.header("content-type") is None:
        result = replace(result, content_type="application/x-www-form-urlencoded")
    return result


@dataclass(slots=True)
class _Part:
    name: str
    filename: str | None
    # Part headers other than Content-Disposition, as (name, value).
    headers: tuple[tuple[str, str], ...]
    content: bytes


_DISPOSITION_PARAM = re.compile(r';\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')


def _parse_multipart(body: bytes, boundary: str) -> list[_Part]:
    """The parts of a ``multipart/form-data`` body; malformed parts are skipped."""
    if not boundary:
        return []
    parts: list[_Part] = []
    chunks = body.split(b"--" + boundary.encode("latin-1", "replace"))
    for chunk in chunks[1:]:
        if chunk.startswith(b"--") or len(parts) >= MAX_BODY_POINTS:
            break
        # The line break after a delimiter and the one before the next belong to them.
        section = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
        section = section.removesuffix(b"\n").removesuffix(b"\r")
        head, sep, content = section.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = section.partition(b"\n\n")
            if not sep:
                continue
        name: str | None = None
        filename: str | None = None
        headers: list[tuple[str, str]] = []
        for line in _latin1(head).splitlines():
            key, colon, value = line.partition(":")
            if not colon:
                continue
            if key.strip().lower() != "content-disposition":
                headers.append((key.strip(), value.strip()))
                continue
            for match in _DISPOSITION_PARAM.finditer(value):
                param = match.group(1).lower()
                quoted = match.group(2)
                raw = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else match.group(3)
                found = raw.encode("latin-1").decode("utf-8", "replace")
                if param == "name":
                    name = found
                elif param == "filename":
                    filename = found
        if name is not None:
            parts.append(_Part(name, filename, tuple(headers), content))
    return parts


def _quote_disposition(value: str) -> str:
    # The HTML standard's encoding for names in multipart/form-data.
    escaped = value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    return escaped.encode("utf-8", "surrogatepass").decode("latin-1")


def _build_multipart(parts: list[_Part]) -> tuple[bytes, str]:
    contents = b"".join(part.content for part in parts)
    while True:
        boundary = "----bastion" + secrets.token_hex(12)
        if boundary.encode() not in contents:
            break
    out = bytearray()
    for part in parts:
        disposition = f'form-data; name="{_quote_disposition(part.name)}"'
        if part.filename is not None:
            disposition += f'; filename="{_quote_disposition(part.filename)}"'
        lines = [f"--{boundary}", f"Content-Disposition: {disposition}"]
        lines += [f"{name}: {value}" for name, value in part.headers]
        out += ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        out += part.content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


# -- JSON -----------------------------------------------------------------------------


def _load_json(body: bytes) -> tuple[bool, Any]:
    try:
        return True, json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        return False, None


def _json_scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except ValueError:
        return ""


def _pointer_token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _json_leaves(body: bytes) -> list[tuple[str, str]]:
    """(JSON pointer, value as text) for every scalar leaf, depth-first in order."""
    ok, document = _load_json(body)
    if not ok:
        return []
    leaves: list[tuple[str, str]] = []

    def walk(node: Any, pointer: str, depth: int) -> None:
        if len(leaves) >= MAX_BODY_POINTS or depth > MAX_DEPTH:
            return
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{pointer}/{_pointer_token(str(key))}", depth + 1)
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{pointer}/{index}", depth + 1)
        else:
            leaves.append((pointer, _json_scalar(node)))

    walk(document, "", 0)
    return leaves


def _inject_json(
    request: HttpRequest, point: InsertionPoint, payload: str, *, append: bool
) -> HttpRequest:
    ok, document = _load_json(request.body)
    if not ok:
        return request
    tokens = [token.replace("~1", "/").replace("~0", "~") for token in point.name.split("/")[1:]]
    if not point.name:
        original = _json_scalar(document) if append else ""
        document = original + payload
    else:
        parent = document
        try:
            for token in tokens[:-1]:
                parent = parent[int(token)] if isinstance(parent, list) else parent[token]
            last = tokens[-1]
            if isinstance(parent, list):
                index = int(last)
                original = _json_scalar(parent[index]) if append else ""
                parent[index] = original + payload
            elif isinstance(parent, dict):
                original = _json_scalar(parent.get(last, "")) if append else ""
                parent[last] = original + payload
            else:
                return request
        except (KeyError, IndexError, ValueError, TypeError):
            return request
    try:
        body = json.dumps(document, ensure_ascii=True, separators=(",", ":"))
    except (ValueError, RecursionError):
        return request
    return _with_body(request, body.encode("ascii"))


# -- XML ------------------------------------------------------------------------------

# One start tag at a known offset (expat already checked it is well formed). Names exclude
# NUL and control bytes, so a UTF-16 document (offsets not ASCII positions) never matches.
_NAME = rb"[^\x00-\x20/>=\"']+"
_START_TAG = re.compile(
    rb"<(" + _NAME + rb")((?:\s+" + _NAME + rb"\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
)
_ATTRIBUTE = re.compile(rb"(" + _NAME + rb")\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


@dataclass(frozen=True, slots=True)
class XmlNode:
    """An editable spot of an XML document: a leaf element's content or an attribute's
    value, as the byte span (``start``, ``end``) it occupies in the raw body.
    ``selfclosing`` (``<a/>``) spans the ``/>`` that must become ``>…</a>``."""

    name: str
    value: str
    start: int
    end: int
    attribute: bool
    qname: str
    selfclosing: bool = False
    quote: bytes = b'"'


@dataclass(slots=True)
class XmlDocument:
    root: str  # the root element's qualified name
    root_start: int  # byte offset of the root start tag
    nodes: list[XmlNode] = field(default_factory=list)

    def node(self, name: str) -> XmlNode | None:
        for node in self.nodes:
            if node.name == name:
                return node
        return None

    @property
    def elements(self) -> list[XmlNode]:
        return [node for node in self.nodes if not node.attribute]


class _XmlStop(Exception):
    pass


@dataclass(slots=True)
class _Open:
    path: str
    qname: str
    tag_start: int
    content_start: int
    selfclosing: bool
    children: int = 0
    seen: dict[str, int] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)


class _OffsetTarget:
    """An ``xml.etree`` parser target that records where each element sits in the raw
    bytes (expat's ``CurrentByteIndex``), for in-place edits."""

    def __init__(self, data: bytes) -> None:
        self.data_bytes = data
        self.parser: DefusedXMLParser | None = None
        self.stack: list[_Open] = []
        self.document: XmlDocument | None = None

    def _offset(self) -> int:
        assert self.parser is not None
        return int(self.parser.parser.CurrentByteIndex)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise _XmlStop
        offset = self._offset()
        match = _START_TAG.match(self.data_bytes, offset)
        if match is None:  # a multi-byte encoding: offsets are not ASCII positions
            raise _XmlStop
        qname = match.group(1).decode("utf-8", "replace")
        if self.stack:
            parent = self.stack[-1]
            parent.children += 1
            count = parent.seen.get(qname, 0) + 1
            parent.seen[qname] = count
            path = f"{parent.path}/{qname}" + (f"[{count}]" if count > 1 else "")
        else:
            path = f"/{qname}"
            self.document = XmlDocument(qname, offset)
        element = _Open(path, qname, offset, match.end(), bool(match.group(3)))
        self.stack.append(element)
        self._attributes(match, path, list(attrib.values()))

    def _attributes(self, tag: re.Match[bytes], path: str, values: list[str]) -> None:
        assert self.document is not None
        raw = [m for m in _ATTRIBUTE.finditer(tag.group(2)) if not m.group(1).startswith(b"xmlns")]
        if len(raw) != len(values):
            return
        base = tag.start(2)
        for match, value in zip(raw, values, strict=True):
            group = 2 if match.group(2) is not None else 3
            self.document.nodes.append(
                XmlNode(
                    name=f"{path}/@{match.group(1).decode('utf-8', 'replace')}",
                    value=value,
                    start=base + match.start(group),
                    end=base + match.end(group),
                    attribute=True,
                    qname=match.group(1).decode("utf-8", "replace"),
                    quote=b'"' if group == 2 else b"'",
                )
            )

    def end(self, tag: str) -> None:
        element = self.stack.pop()
        if element.children or self.document is None:
            return
        if element.selfclosing:
            # The span is the "/>" (plus spaces before it) that closes the start tag.
            close = self.data_bytes.rfind(b"/", element.tag_start, element.content_start)
            start, end = close, element.content_start
        else:
            start, end = element.content_start, self._offset()
        self.document.nodes.append(
            XmlNode(
                name=element.path,
                value="".join(element.text),
                start=start,
                end=end,
                attribute=False,
                qname=element.qname,
                selfclosing=element.selfclosing,
            )
        )

    def data(self, text: str) -> None:
        if self.stack:
            self.stack[-1].text.append(text)

    def close(self) -> None:
        return None


def parse_xml_offsets(body: bytes) -> XmlDocument | None:
    """Leaf elements and attributes of ``body`` with their byte spans; None when the body
    is not well-formed XML, declares entities, or uses a non-ASCII-compatible encoding."""
    target = _OffsetTarget(body)
    parser = DefusedXMLParser(target=target)
    target.parser = parser
    try:
        parser.feed(body)
        parser.close()
    except (ParseError, DefusedXmlException, _XmlStop, LookupError, ValueError):
        return None
    except RecursionError:
        return None
    document = target.document
    if document is None:
        return None
    document.nodes.sort(key=lambda node: node.start)
    del document.nodes[MAX_BODY_POINTS:]
    return document


def xml_escape(text: str, *, attribute: bool = False) -> bytes:
    """``text`` as XML character data, ASCII only (non-ASCII as character references) so
    it fits whatever ASCII-compatible encoding the document declares."""
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char == "&":
            out.append("&amp;")
        elif char == "<":
            out.append("&lt;")
        elif char == ">":
            out.append("&gt;")
        elif char == "\r" or (attribute and char in "\t\n\"'"):
            # Parsers normalise raw CR (and whitespace in attributes): keep it exact.
            out.append(f"&#{code};")
        elif code > 0x7E:
            out.append(f"&#{code};")
        else:
            out.append(char)
    return "".join(out).encode("ascii")


def splice_xml(body: bytes, node: XmlNode, markup: bytes) -> bytes:
    """``body`` with ``node``'s content replaced by ``markup`` (already escaped, or raw
    markup such as an entity reference)."""
    if node.selfclosing:
        return (
            body[: node.start] + b">" + markup + b"</" + node.qname.encode() + b">"
            + body[node.end :]
        )  # fmt: skip
    return body[: node.start] + markup + body[node.end :]


def _splice_xml(body: bytes, name: str, text: str) -> bytes | None:
    document = parse_xml_offsets(body)
    node = document.node(name) if document is not None else None
    if node is None:
        return None
    return splice_xml(body, node, xml_escape(text, attribute=node.attribute))


# -- cookies and headers --------------------------------------------------------------


def _cookie_value(text: str) -> str:
    """A cookie value cannot hold ``;``, line breaks or non-ASCII: those characters are
    percent-encoded (PHP, Rails and others decode cookie values); the rest stays raw."""
    out: list[str] = []
    for char in text:
        if char == ";" or ord(char) < 0x20 or ord(char) > 0x7E:
            out.append(quote(char, safe="", errors="surrogatepass"))
        else:
            out.append(char)
    return "".join(out)


def _headers_with_defaults(request: HttpRequest) -> Headers:
    headers = list(request.headers)
    present = {name.lower() for name, _ in headers}
    if "user-agent" not in present:
        headers.append(("User-Agent", DEFAULT_USER_AGENT))
    if "referer" not in present:
        headers.append(("Referer", _origin(request.url) + "/"))
    return tuple(headers)


def _origin(url: str) -> str:
    parts = _split_url(url)
    if parts is None or not parts.scheme:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def _replace_header(headers: Headers, name: str, value: str) -> Headers:
    lowered = name.lower()
    out = list(headers)
    for index, (key, _) in enumerate(out):
        if key.lower() == lowered:
            out[index] = (key, value)
            return tuple(out)
    return (*out, (name, value))

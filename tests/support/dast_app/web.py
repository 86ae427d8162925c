"""What every page of the test app needs: the layout, body-field parsing and the
raw-header response the header-injection page is built on.

Starlette parses forms only with python-multipart, which bastion does not depend on, so
bodies are parsed here: urlencoded with ``urllib.parse``, multipart with the standard
library's MIME parser (which is what ``cgi.FieldStorage`` used to do).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

# The HTTP token grammar (RFC 9110 §5.6.2): what a header name may be made of.
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# What the h11 server accepts as a header value: visible ASCII and inner blanks.
_FIELD_VALUE = re.compile(r"^[\x21-\x7e\x80-\xff]([\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?$")


class FormError(ValueError):
    """A body that does not parse as the form encoding it claims."""


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    value: str
    filename: str | None = None


def layout(title: str, body: str, *, head: str = "") -> str:
    """A whole HTML page; ``title`` is trusted text, ``body`` trusted markup."""
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>{head}</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n{body}\n"
        "<p><a href='/'>Home</a></p>\n</body></html>\n"
    )


def page(
    title: str,
    body: str,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    head: str = "",
) -> HTMLResponse:
    return HTMLResponse(layout(title, body, head=head), status_code=status, headers=headers)


def links(items: Sequence[tuple[str, str]]) -> str:
    """A list of links; hrefs and labels are trusted (written in the app)."""
    rows = "".join(f"<li><a href='{href}'>{html.escape(label)}</a></li>\n" for href, label in items)
    return f"<ul>\n{rows}</ul>"


def parse_urlencoded(body: bytes) -> list[FormField]:
    text = body.decode("utf-8", errors="replace")
    return [FormField(name, value) for name, value in parse_qsl(text, keep_blank_values=True)]


def parse_multipart(body: bytes, content_type: str) -> list[FormField]:
    """The fields of a ``multipart/form-data`` body, in order; file parts keep their
    file name and their content decoded as UTF-8 (the app only ever shows text)."""
    if "boundary=" not in content_type.lower():
        raise FormError("multipart body without a boundary")
    head = b"Content-Type: " + content_type.encode("latin-1", errors="replace") + b"\r\n\r\n"
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise FormError("body is not multipart")
    fields: list[FormField] = []
    for part in message.iter_parts():
        if not isinstance(part, EmailMessage):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        fields.append(FormField(name, data.decode("utf-8", errors="replace"), part.get_filename()))
    return fields


async def body_fields(request: Request) -> list[FormField]:
    """The fields of a POST body, whatever its form encoding; a GET's query."""
    if request.method == "GET":
        return [FormField(name, value) for name, value in request.query_params.multi_items()]
    content_type = request.headers.get("content-type", "")
    body = await request.body()
    if content_type.lower().startswith("multipart/form-data"):
        return parse_multipart(body, content_type)
    return parse_urlencoded(body)


def field(fields: Sequence[FormField], name: str, default: str = "") -> str:
    for item in fields:
        if item.name == name:
            return item.value
    return default


def split_header_value(name: str, value: str) -> tuple[list[tuple[str, str]], bytes]:
    """Header lines and body prefix, as a server that writes ``name: value`` verbatim
    would put them on the wire (CWE-113): every CR/LF ends the line, what follows an
    injected ``Name: value`` is another header, an empty line starts the body. Lines
    that are no header are dropped, as most clients would ignore them."""
    pieces = re.split(r"\r\n|\r|\n", value)
    headers: list[tuple[str, str]] = []
    first = pieces[0].strip(" \t")
    if first and _FIELD_VALUE.match(first):
        headers.append((name, first))
    for index, piece in enumerate(pieces[1:], start=1):
        if piece == "":
            return headers, "\r\n".join(pieces[index + 1 :]).encode("utf-8", errors="replace")
        key, sep, rest = piece.partition(":")
        rest = rest.strip(" \t")
        if sep and _TOKEN.match(key) and (rest == "" or _FIELD_VALUE.match(rest)):
            headers.append((key, rest))
    return headers, b""


class RawHeaderResponse(Response):
    """A response that sends header lines the app composed itself, bypassing Starlette's
    header handling, which would refuse the CR/LF a vulnerable framework lets through."""

    def __init__(self, content: bytes, raw_headers: Sequence[tuple[str, str]]) -> None:
        super().__init__(content, media_type="text/html; charset=utf-8")
        self.extra = list(raw_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [*self.raw_headers]
        for key, value in self.extra:
            headers.append((key.lower().encode("latin-1"), value.encode("latin-1", "replace")))
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})

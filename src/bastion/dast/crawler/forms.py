"""A parsed form turned into the requests a browser would send when it is submitted,
with plausible values in the fields a person would have filled in."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from bastion.dast.crawler.html import FORM_URLENCODED, MULTIPART, Form, FormControl
from bastion.dast.model import Headers, HttpRequest

# Fixed so that the same form always encodes to the same bytes (deduplication, replay).
BOUNDARY = "----BastionFormBoundary7MA4YWxkTrZu0gW"
UPLOAD_NAME = "bastion.txt"
UPLOAD_CONTENT = "bastion"
PASSWORD = "Bastion-Passw0rd!"
EMAIL = "bastion@example.com"

_BY_TYPE = {
    "email": EMAIL,
    "url": "https://example.com/",
    "tel": "5555550100",
    "date": "2024-01-01",
    "month": "2024-01",
    "week": "2024-W01",
    "time": "12:00",
    "datetime-local": "2024-01-01T12:00",
    "color": "#336699",
    "password": PASSWORD,
}
# Guesses from the field name for type=text (checked in order; first match wins).
_BY_NAME: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), value)
    for pattern, value in (
        (r"e-?mail", EMAIL),
        (r"pass(word)?|pwd", PASSWORD),
        (r"phone|tel$|mobile|fax", "5555550100"),
        (r"url|website|homepage|link", "https://example.com/"),
        (r"zip|postal|postcode", "12345"),
        (r"date|dob|birth", "2024-01-01"),
        (r"year", "2024"),
        (r"user|login|account|nick", "bastion"),
        (r"name", "Bastion"),
        (r"city|town", "Paris"),
        (r"country", "FR"),
        (r"(^|_)age$|qty|quantity|count|amount|num|price|total|size|limit|page|(^|_)id$", "1"),
    )
)
DEFAULT_TEXT = "bastion"
_NUMERIC = frozenset({"number", "range"})


@dataclass(frozen=True, slots=True)
class Upload:
    """A file field's part in a multipart body."""

    filename: str
    content: str
    content_type: str = "text/plain"


Field = tuple[str, str | Upload]


def default_value(kind: str, name: str, minimum: str | None = None) -> str:
    """What a person would type into an empty field of this type and name."""
    if kind in _NUMERIC:
        return _number(minimum)
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    for pattern, value in _BY_NAME:
        if pattern.search(name):
            return value
    return DEFAULT_TEXT


def form_requests(
    form: Form, *, values: Mapping[str, str] | None = None, cookies: Headers = ()
) -> list[HttpRequest]:
    """One request for the default submission (first submit button), and one more for
    each submit button that sends the form elsewhere or otherwise (formaction,
    formmethod, formenctype). ``values`` override fields by name."""
    submits = [control for control in form.controls if control.is_submit]
    requests = [_request(form, submits[0] if submits else None, values or {}, cookies)]
    targets = {(requests[0].method, requests[0].url.split("?", 1)[0])}
    for submit in submits[1:]:
        if not (submit.form_action or submit.form_method or submit.form_enctype):
            continue
        request = _request(form, submit, values or {}, cookies)
        target = (request.method, request.url.split("?", 1)[0])
        if target not in targets:
            targets.add(target)
            requests.append(request)
    return requests


def form_fields(
    form: Form, submit: FormControl | None, values: Mapping[str, str], *, multipart: bool
) -> list[Field]:
    fields: list[Field] = []
    radios: dict[str, FormControl] = {}
    for control in form.controls:
        if control.kind == "radio" and (control.checked or control.name not in radios):
            radios[control.name] = control
    for control in form.controls:
        name = control.name
        if control.is_submit:
            if control is submit:
                fields.extend(_submit_fields(control))
            continue
        if name in values:
            if control.kind != "radio" or radios.get(name) is control:
                fields.append((name, values[name]))
            continue
        if control.kind == "radio":
            if radios.get(name) is control:
                fields.append((name, control.value))
        elif control.kind == "file":
            fields.append((name, Upload(UPLOAD_NAME, UPLOAD_CONTENT) if multipart else UPLOAD_NAME))
        elif control.kind in {"hidden", "checkbox", "select"} or control.value:
            fields.append((name, control.value))
        else:
            value = default_value(control.kind, name, control.minimum)
            if control.max_length is not None:
                value = value[: control.max_length]
            fields.append((name, value))
    return fields


def encode_multipart(fields: list[Field]) -> bytes:
    parts: list[bytes] = []
    for name, value in fields:
        quoted = _quote_header(name)
        if isinstance(value, Upload):
            head = (
                f'Content-Disposition: form-data; name="{quoted}";'
                f' filename="{_quote_header(value.filename)}"\r\n'
                f"Content-Type: {value.content_type}\r\n\r\n"
            )
            content = value.content
        else:
            head = f'Content-Disposition: form-data; name="{quoted}"\r\n\r\n'
            content = value
        parts.append(f"--{BOUNDARY}\r\n{head}".encode() + content.encode() + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def multipart_content_type() -> str:
    """Multipart bodies carry their boundary in the content type (the client sends it as
    the Content-Type header; whoever re-encodes the body must keep it)."""
    return f"{MULTIPART}; boundary={BOUNDARY}"


def _request(
    form: Form, submit: FormControl | None, values: Mapping[str, str], cookies: Headers
) -> HttpRequest:
    action = form.action
    method = form.method
    enctype = form.enctype
    if submit is not None:
        action = submit.form_action or action
        method = submit.form_method or method
        enctype = submit.form_enctype or enctype
    multipart = method == "POST" and enctype == MULTIPART
    fields = form_fields(form, submit, values, multipart=multipart)
    flat = [(name, v.filename if isinstance(v, Upload) else v) for name, v in fields]
    if method == "GET":
        # A GET submission replaces the action's query with the form data.
        parts = urlsplit(action)
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(flat), ""))
        return HttpRequest("GET", url, cookies=cookies)
    if multipart:
        return HttpRequest(
            "POST",
            action,
            cookies=cookies,
            body=encode_multipart(fields),
            content_type=multipart_content_type(),
        )
    if enctype == "text/plain":
        body = "".join(f"{name}={value}\r\n" for name, value in flat).encode()
        return HttpRequest("POST", action, cookies=cookies, body=body, content_type="text/plain")
    return HttpRequest(
        "POST",
        action,
        cookies=cookies,
        body=urlencode(flat).encode(),
        content_type=FORM_URLENCODED,
    )


def _submit_fields(control: FormControl) -> list[Field]:
    if control.kind == "image":
        prefix = f"{control.name}." if control.name else ""
        return [(f"{prefix}x", "1"), (f"{prefix}y", "1")]
    return [(control.name, control.value)] if control.name else []


def _number(minimum: str | None) -> str:
    if minimum is not None:
        try:
            value = float(minimum)
        except ValueError:
            return "1"
        if math.isfinite(value) and abs(value) < 1e15:  # printable as a plain number
            return str(int(value)) if value.is_integer() else str(value)
    return "1"


def _quote_header(text: str) -> str:
    """Quote a name for Content-Disposition the way browsers do (HTML spec)."""
    return text.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")

"""The records every part of the app scanner shares: requests, responses, scan inputs,
insertion points and findings.

Plain frozen dataclasses, like the SCA records in ``bastion.models``. The crawler produces
``ScanInput``s (requests worth probing), the engine derives ``InsertionPoint``s from them,
rules turn ``Exchange``s into ``DastFinding``s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bastion.models import Severity

Headers = tuple[tuple[str, str], ...]


class Confidence(StrEnum):
    """How sure a rule is. ``high``: confirmed by two independent probes or an
    unambiguous marker; ``medium``: strong signal, one kind of evidence; ``low``:
    heuristic (passive rules that cannot see the whole picture)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Location(StrEnum):
    """Where an insertion point sits in a request."""

    QUERY = "query"  # value of a query parameter
    QUERY_NAME = "query_name"  # name of a query parameter
    FORM = "form"  # value of an urlencoded or multipart body field
    FORM_NAME = "form_name"  # name of a body field
    JSON = "json"  # a string/number leaf of a JSON body (name is a JSON pointer)
    XML = "xml"  # text of an XML element or attribute (name is a path)
    XML_DOCUMENT = "xml_document"  # the whole XML body (XXE replaces the document)
    PATH = "path"  # one path segment (name is its index as a string)
    COOKIE = "cookie"  # value of a cookie
    HEADER = "header"  # value of a request header
    HEADER_NAME = "header_name"  # name of a request header


class InputSource(StrEnum):
    """How the crawler found a request; kept for the report and for debugging recall."""

    LINK = "link"
    FORM = "form"
    SCRIPT = "script"  # URL found in inline or linked JavaScript
    BROWSER = "browser"  # XHR/fetch recorded by the browser crawler
    OPENAPI = "openapi"
    SITEMAP = "sitemap"
    ROBOTS = "robots"
    SEED = "seed"
    REDIRECT = "redirect"


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A request exactly as the scanner sends it.

    ``cookies`` are kept apart from ``headers`` so that insertion points can target them;
    the client sends them as one ``Cookie`` header whatever their Secure/Domain/Path
    attributes were (staging sites often run on plain HTTP or another host name).
    ``body`` is the raw body; ``content_type`` names its encoding
    (``application/x-www-form-urlencoded``, ``multipart/form-data``,
    ``application/json``, ``application/xml``…) or is empty when there is no body.
    """

    method: str
    url: str
    headers: Headers = ()
    cookies: Headers = ()
    body: bytes = b""
    content_type: str = ""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What came back. ``body`` is capped by the client (``truncated`` tells);
    ``headers`` keep repeats (several ``Set-Cookie``) in order; ``elapsed`` is seconds
    from sending to the last byte; ``url`` is the final URL (the client does not follow
    redirects for probes, the crawler follows them itself)."""

    url: str
    status: int
    headers: Headers
    body: bytes
    elapsed: float
    truncated: bool = False

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        """The body decoded leniently: charset from Content-Type, else UTF-8, never
        raising on bad bytes (scan targets send anything)."""
        charset = "utf-8"
        for part in (self.header("content-type") or "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip("\"' ")
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class Exchange:
    request: HttpRequest
    response: HttpResponse


@dataclass(frozen=True, slots=True)
class ScanInput:
    """A request worth probing, as discovery found it: its insertion points come from the
    request itself (query, body, cookies, headers, path). ``page`` is the page that
    linked to it (for the report only: findings name ``request.url``)."""

    request: HttpRequest
    source: InputSource
    page: str | None = None
    depth: int = 0


@dataclass(frozen=True, slots=True)
class InsertionPoint:
    """One place a payload goes. ``name`` is the parameter name (a JSON pointer for JSON,
    an element path for XML, the segment index for PATH); ``value`` is the original
    value the crawler saw."""

    location: Location
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class DastFinding:
    """One finding per (rule, endpoint, parameter). ``url`` is the full URL of the
    request that proved it; ``request`` is that request, so a person can replay it."""

    rule_id: str
    name: str
    cwe: int
    severity: Severity
    confidence: Confidence
    url: str
    method: str
    parameter: str | None
    evidence: str
    location: Location | None = None
    payload: str | None = None
    request: HttpRequest | None = None
    # A short excerpt of the response that shows the evidence, when there is one.
    response_excerpt: str | None = None
    description: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    # Further requests (beyond ``request``) that confirmed the finding.
    confirmations: tuple[HttpRequest, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        """``METHOD url-without-query``: the unit findings are deduplicated on."""
        return f"{self.method} {self.url.split('?', 1)[0].split('#', 1)[0]}"

    @property
    def dedup_key(self) -> tuple[str, str, str | None]:
        return (self.rule_id, self.endpoint, self.parameter)


@dataclass(slots=True)
class ScanStats:
    """What the scan did, for ``stats`` in the JSON report and the progress display."""

    requests: int = 0
    pages: int = 0
    inputs: int = 0
    insertion_points: int = 0
    errors: int = 0
    retries: int = 0
    duration: float = 0.0
    # Why the scan stopped: "completed", "time budget", "request budget",
    # "target failing: …", "target unreachable: …", "interrupted".
    stop_reason: str = "completed"
    # Non-fatal problems, for the user: "openapi: …", "browser: Chromium not found", …
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DastReport:
    target: str
    started_at: str  # ISO 8601
    findings: tuple[DastFinding, ...]
    stats: ScanStats

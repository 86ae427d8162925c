"""Stack traces and framework debug pages in responses: file paths, code, library
versions and sometimes settings, handed to whoever caused the error (CWE-209)."""

from __future__ import annotations

import html
import re
from typing import ClassVar

from bastion.dast.checks.base import PassiveRule
from bastion.dast.checks.passive._page import excerpt, text_of
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest, HttpResponse
from bastion.models import Severity

# (what, pattern): each pattern is specific to a trace or debug page, never to an ordinary
# error message such as "Internal Server Error".
SIGNATURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Python traceback",
        re.compile(r"Traceback \(most recent call last\):\s*\n\s*File \"[^\"\n]+\", line \d+"),
    ),
    (
        "Werkzeug debugger",
        re.compile(
            r"<title>[^<]*// Werkzeug Debugger</title>"
            r"|The debugger caught an exception in your WSGI application"
        ),
    ),
    (
        "Django debug page",
        re.compile(r"You're seeing this error because you have <code>DEBUG = True</code>"),
    ),
    (
        "Java stack trace",
        re.compile(
            r"^\s*at (?:[\w$]+\.)+[\w$<>]+"
            r"\((?:[\w$]+\.(?:java|kt|scala|groovy):\d+|Native Method|Unknown Source)\)",
            re.MULTILINE,
        ),
    ),
    (
        ".NET stack trace",
        re.compile(
            r"^\s*at [\w.`<>\[\], ]+\([^)\n]*\) in [^\n]+:line \d+"
            r"|Server Error in '[^'\n]*' Application\.",
            re.MULTILINE,
        ),
    ),
    (
        "PHP error",
        re.compile(
            r"(?:Fatal error|Parse error|Warning|Notice|Deprecated)(?:</b>)?:\s+[^\n]{0,500}?"
            r" in (?:<b>)?(?:/|[A-Za-z]:\\)[^\s<]+\.php(?:</b>)? on line (?:<b>)?\d+"
            r"|^#\d+ (?:/|[A-Za-z]:\\)[^\n(]+\.php\(\d+\): ",
            re.MULTILINE,
        ),
    ),
    (
        "Node.js stack trace",
        re.compile(
            r"^\s*at (?:[^\n()]+ \()?(?:/|node:|file:///|[A-Za-z]:\\)[^\n()]+:\d+:\d+\)?\s*$",
            re.MULTILINE,
        ),
    ),
    (
        "Ruby backtrace",
        re.compile(r"[\w/.\-]+\.rb:\d+:in [`'][^'\n]+'"),
    ),
    ("Rails debug page", re.compile(r"Action Controller: Exception caught")),
    ("Go panic", re.compile(r"^goroutine \d+ \[running\]:", re.MULTILINE)),
)
_TEXT_TYPES = ("text/html", "text/plain", "application/xhtml+xml", "text/xml")


def _is_text(response: HttpResponse) -> bool:
    content_type = response.content_type
    return (
        content_type == ""
        or content_type in _TEXT_TYPES
        or content_type.endswith(("/json", "+json", "/xml", "+xml"))
    )


def normalised_text(response: HttpResponse) -> str:
    """The body as a person would read it: character references decoded (HTML pages
    escape the trace) and JSON string escapes undone (APIs wrap it in a string)."""
    text = text_of(response)
    if "&" in text:
        text = html.unescape(text)
    if "json" in response.content_type:
        text = text.replace("\\n", "\n").replace("\\t", "\t").replace('\\"', '"')
    return text


def find_trace(text: str) -> tuple[str, re.Match[str]] | None:
    for label, pattern in SIGNATURES:
        match = pattern.search(text)
        if match is not None:
            return label, match
    return None


class StackTraceRule(PassiveRule):
    rule_id: ClassVar[str] = "dast.disclosure.stack-trace"
    name: ClassVar[str] = "Stack trace or debug page disclosed"
    cwe: ClassVar[int] = 209
    severity: ClassVar[Severity] = Severity.MEDIUM
    confidence: ClassVar[Confidence] = Confidence.MEDIUM
    scope: ClassVar[str] = "endpoint"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-ERRH-01", "WSTG-ERRH-02")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/209.html",
        "https://cheatsheetseries.owasp.org/cheatsheets/Error_Handling_Cheat_Sheet.html",
        "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/08-Testing_for_Error_Handling/01-Testing_For_Improper_Error_Handling",
    )
    description: ClassVar[str] = (
        "The response contains a stack trace (Python, Java, .NET, PHP, Node.js, Ruby, Go) "
        "or a framework's debug page (Werkzeug, Django, Rails). It reveals source paths, "
        "code, library versions and sometimes configuration, and often which input "
        "broke what: a map for further attacks. Debug pages may even execute code."
    )
    remediation: ClassVar[str] = (
        "Turn debug mode off in production and answer errors with a generic page that "
        "carries at most a reference id; log the details on the server."
    )

    def check(self, exchange: Exchange) -> list[DastFinding]:
        response = exchange.response
        if not response.body or not _is_text(response):
            return []
        text = normalised_text(response)
        found = find_trace(text)
        if found is None:
            return []
        label, match = found
        snippet = excerpt(text, match.start(), match.end(), context=0)
        return [
            self.make_finding(
                request=exchange.request,
                evidence=f"{label}: {snippet[:200]}",
                response_excerpt=excerpt(text, match.start(), match.end())[:400],
            )
        ]

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/orders?id=abc"),
            evidence=(
                'Python traceback: Traceback (most recent call last): File "/srv/shop/'
                'views.py", line 42'
            ),
        )

"""Version headers, stack traces and directory listings on recorded responses."""

from __future__ import annotations

import json

import pytest

from bastion.dast.checks.passive.directory_listing import DirectoryListingRule
from bastion.dast.checks.passive.stack_trace import StackTraceRule
from bastion.dast.checks.passive.version_headers import VersionDisclosureRule
from bastion.dast.model import Exchange
from tests.dast.checks.passive.recorded import HTML, exchange, html_with


@pytest.mark.parametrize(
    ("headers", "evidence"),
    [
        ((("Server", "Apache/2.4.41 (Ubuntu)"),), "Server: Apache/2.4.41 (Ubuntu)"),
        ((("X-Powered-By", "PHP/7.4.3"), ("Server", "nginx")), "X-Powered-By: PHP/7.4.3"),
        ((("X-AspNet-Version", "4.0.30319"),), "X-AspNet-Version: 4.0.30319"),
        ((("server", "Microsoft-IIS/10.0"),), "server: Microsoft-IIS/10.0"),
        ((("X-Generator", "Drupal 7 (http://drupal.org)"),), None),
        ((("X-Generator", "WordPress 6.4.2"),), "WordPress 6.4.2"),
        ((("Server", "nginx"),), None),
        ((("Server", "cloudflare"), ("X-Powered-By", "Express")), None),
        ((("X-Backend-Server", "10.0.0.12"),), None),
        ((("Via", "1.1 varnish"), ("X-Runtime", "0.012")), None),
    ],
)
def test_version_disclosure(headers: tuple[tuple[str, str], ...], evidence: str | None) -> None:
    findings = VersionDisclosureRule().check(exchange(headers=(*HTML, *headers)))
    if evidence is None:
        assert findings == []
    else:
        [finding] = findings
        assert evidence in finding.evidence


def test_version_disclosure_lists_every_header_and_any_response() -> None:
    headers = (("Server", "Apache/2.4.41"), ("X-Powered-By", "PHP/7.4.3"))
    [finding] = VersionDisclosureRule().check(exchange(status=404, headers=headers, body=b""))
    assert finding.evidence == "Server: Apache/2.4.41; X-Powered-By: PHP/7.4.3"


PYTHON_TRACE = """Traceback (most recent call last):
  File "/srv/app/views.py", line 12, in order
    return int(order_id)
ValueError: invalid literal for int() with base 10: 'abc'
"""
TRACES = {
    "Python traceback": PYTHON_TRACE,
    "Werkzeug debugger": "<title>ValueError // Werkzeug Debugger</title>",
    "Django debug page": (
        "<p>You&#x27;re seeing this error because you have <code>DEBUG = True</code> in "
        "your Django settings file.</p>"
    ),
    "Java stack trace": (
        "java.lang.NullPointerException\n\tat com.shop.web.OrderController.show"
        "(OrderController.java:42)\n"
        "\tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)"
    ),
    ".NET stack trace": (
        "[NullReferenceException]\n   at Shop.Controllers.Orders.Show(Int32 id) in "
        "C:\\src\\Shop\\Controllers\\Orders.cs:line 27"
    ),
    "PHP error": (
        "<b>Fatal error</b>:  Uncaught Error: Call to undefined function f() in "
        "<b>/var/www/html/index.php</b> on line <b>3</b>"
    ),
    "Node.js stack trace": (
        "TypeError: x is undefined\n    at Object.<anonymous> (/app/server.js:10:5)\n"
        "    at Module._compile (node:internal/modules/cjs/loader:1105:14)"
    ),
    "Ruby backtrace": "app/controllers/orders_controller.rb:12:in `show'",
    "Go panic": "panic: runtime error\n\ngoroutine 1 [running]:\nmain.main()",
}


@pytest.mark.parametrize(("label", "body"), TRACES.items(), ids=list(TRACES))
def test_stack_traces_are_recognised(label: str, body: str) -> None:
    html = html_with(body=f"<html><body><pre>{body}</pre></body></html>".encode())
    [finding] = StackTraceRule().check(html)
    assert finding.evidence.startswith(label)
    plain = exchange(status=500, headers=(("Content-Type", "text/plain"),), body=body.encode())
    assert len(StackTraceRule().check(plain)) == 1


def test_stack_traces_escaped_in_html_or_json_are_recognised() -> None:
    escaped = PYTHON_TRACE.replace('"', "&quot;").replace("'", "&#x27;")
    assert StackTraceRule().check(html_with(body=escaped.encode()))
    json_body = json.dumps({"error": PYTHON_TRACE}).encode()
    recorded = exchange(status=500, headers=(("Content-Type", "application/json"),), body=json_body)
    assert StackTraceRule().check(recorded)


@pytest.mark.parametrize(
    "body",
    [
        "Internal Server Error",
        "<h1>Something went wrong.</h1><p>Reference: 8f2c</p>",
        'sqlite3.OperationalError: near "\'": syntax error',
        "We are at the shop at 10:30:00 today",
        "Traceback (most recent call last): is how Python starts its error reports.",
    ],
)
def test_ordinary_errors_are_no_stack_traces(body: str) -> None:
    assert StackTraceRule().check(exchange(status=500, body=body.encode())) == []


def test_scripts_and_binaries_are_not_searched() -> None:
    script = exchange(headers=(("Content-Type", "text/javascript"),), body=PYTHON_TRACE.encode())
    assert StackTraceRule().check(script) == []


@pytest.mark.parametrize(
    "body",
    [
        "<html><head><title>Index of /uploads</title></head><body><h1>Index of /uploads</h1>",
        "<title>Directory listing for /files/</title>",
        '<pre><A HREF="/">[To Parent Directory]</A><br><br>',
        "<title>Directory Listing For [/docs/]</title>",
        "<title>Directory: /static/</title>",
        "<title>listing directory /public</title>",
    ],
)
def test_directory_listings(body: str) -> None:
    assert len(DirectoryListingRule().check(html_with(body=body.encode()))) == 1


@pytest.mark.parametrize(
    "recorded",
    [
        html_with(body=b"<title>Our catalogue</title><p>Index of products</p>"),
        exchange(status=403, body=b"<title>Index of /</title>"),
        exchange(status=404, body=b"<title>Index of /</title>"),
        exchange(headers=(("Content-Type", "text/plain"),), body=b"<title>Index of /</title>"),
    ],
)
def test_no_directory_listing(recorded: Exchange) -> None:
    assert DirectoryListingRule().check(recorded) == []

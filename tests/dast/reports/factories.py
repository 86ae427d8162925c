"""Reports to render: a realistic mix, an empty one, and one full of hostile text."""

from __future__ import annotations

from bastion.dast.model import (
    Confidence,
    DastFinding,
    DastReport,
    HttpRequest,
    Location,
    ScanStats,
)
from bastion.models import Severity

TARGET = "http://shop.test:8080/"


def stats(**changes: object) -> ScanStats:
    base = ScanStats(
        requests=1234,
        pages=56,
        inputs=78,
        insertion_points=90,
        errors=2,
        retries=3,
        duration=12.3456,
        stop_reason="completed",
        notes=["openapi: no definition given"],
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def sqli() -> DastFinding:
    request = HttpRequest(
        "POST",
        "http://shop.test:8080/login?next=%2F",
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
        cookies=(("session", "abc"),),
        body=b"user=%27&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    return DastFinding(
        rule_id="sqli-error",
        name="SQL injection (error based)",
        cwe=89,
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        url=request.url,
        method="POST",
        parameter="user",
        evidence="You have an error in your SQL syntax",
        location=Location.FORM,
        payload="'",
        request=request,
        response_excerpt="...You have an error in your SQL syntax near ''''...",
        description="User input reaches an SQL query unescaped.",
        remediation="Use parameterised queries.",
        references=("https://owasp.org/www-community/attacks/SQL_Injection",),
        confirmations=(HttpRequest("POST", request.url, body=b"user=%27%27"),),
    )


def xss() -> DastFinding:
    payload = "<script>alert(1)</script>"
    request = HttpRequest("GET", "http://shop.test:8080/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    return DastFinding(
        rule_id="xss-reflected",
        name="Cross-site scripting (reflected)",
        cwe=79,
        severity=Severity.MEDIUM,
        confidence=Confidence.MEDIUM,
        url=request.url,
        method="GET",
        parameter="q",
        evidence=f"<p>Results for {payload}</p>",
        location=Location.QUERY,
        payload=payload,
        request=request,
        response_excerpt=f'<div class="x">{payload}</div>',
        references=("javascript:alert(2)", "https://cwe.mitre.org/data/definitions/79.html"),
    )


def header() -> DastFinding:
    return DastFinding(
        rule_id="csp-missing",
        name="Content-Security-Policy header missing",
        cwe=693,
        severity=Severity.LOW,
        confidence=Confidence.LOW,
        url=TARGET,
        method="GET",
        parameter=None,
        evidence="no Content-Security-Policy header",
    )


def mixed_report(**stat_changes: object) -> DastReport:
    return DastReport(
        target=TARGET,
        started_at="2026-01-15T12:00:00+00:00",
        findings=(sqli(), xss(), header()),
        stats=stats(**stat_changes),
    )


def empty_report() -> DastReport:
    return DastReport(
        target=TARGET,
        started_at="2026-01-15T12:00:00+00:00",
        findings=(),
        stats=stats(notes=[], stop_reason="target unreachable: connection refused"),
    )


def hostile_report() -> DastReport:
    """Everything the target controls is markup, quotes or terminal escapes."""
    evil = "</pre><script>alert('x')</script>\"'><img src=x onerror=alert(1)>\x1b[31m"
    request = HttpRequest("GET", f"http://shop.test/x?q={evil}", headers=(("X-Evil", evil),))
    finding = DastFinding(
        rule_id="xss-reflected",
        name="Cross-site scripting (reflected)",
        cwe=79,
        severity=Severity.CRITICAL,
        confidence=Confidence.HIGH,
        url=request.url,
        method="GET",
        parameter=evil,
        evidence=evil,
        location=Location.QUERY,
        payload=evil,
        request=request,
        response_excerpt=evil,
        references=(f"javascript:{evil}",),
        extra={"raw": evil, "bytes": b"\x00\xff"},
    )
    return DastReport(
        target=f"http://shop.test/{evil}",
        started_at="2026-01-15T12:00:00+00:00",
        findings=(finding,),
        stats=stats(notes=[f"note {evil}"], stop_reason=f"target failing: {evil}"),
    )

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

import pytest

from bastion.dast.checks.active.sqli import SqlInjection
from bastion.dast.model import Confidence, HttpRequest, HttpResponse
from tests.dast.checks.active.fakes import App, escape, get, page, param, scan

USERS = [(1, "alice"), (2, "bob"), (3, "carol")]


def database() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    connection.executemany("INSERT INTO users VALUES (?, ?)", USERS)
    return connection


def sqlite_app(
    where: str, *, errors: bool = True, parameterised: bool = False, parameter: str = "q"
) -> App:
    """``SELECT name FROM users WHERE <where>`` with the parameter formatted in (``{}``)
    or bound (``?``); errors shown with their message, or as a bare 500."""
    connection = database()

    def handle(request: HttpRequest) -> HttpResponse:
        value = param(request, parameter)
        try:
            if parameterised:
                sql = "SELECT name FROM users WHERE " + re.sub(r"'?\{\}'?", "?", where)
                rows = connection.execute(sql, (value,)).fetchall()
            else:
                sql = "SELECT name FROM users WHERE " + where.format(value)
                rows = connection.execute(sql).fetchall()
        except sqlite3.Error as exc:
            if errors:
                return page(f"<pre>sqlite3.OperationalError: {escape(str(exc))}</pre>", 500)
            return page("<h1>Something went wrong</h1>", 500)
        items = "".join(f"<li>{escape(name)}</li>" for (name,) in rows) or "<p>No user</p>"
        return page(f"<p>You searched {escape(value)}</p><ul>{items}</ul>")

    return handle


def test_error_based_numeric() -> None:
    finding, probe = scan(SqlInjection(), sqlite_app("id = {}"), get("http://app.test/u?q=1"))
    assert finding is not None
    assert "SQLite" in finding.evidence
    assert finding.confidence is Confidence.HIGH
    assert finding.payload == "'"
    assert finding.request is probe.sent[0]
    assert "sqlite3.OperationalError" in (finding.response_excerpt or "")
    assert finding.confirmations


def test_error_based_string() -> None:
    finding, _ = scan(SqlInjection(), sqlite_app("name = '{}'"), get("http://app.test/u?q=bob"))
    assert finding is not None
    assert "SQLite" in finding.evidence


@pytest.mark.parametrize(
    ("where", "value"),
    [("id = {}", "2"), ("name = '{}'", "bob"), ('name = "{}"', "bob")],
)
def test_boolean_based_without_error_messages(where: str, value: str) -> None:
    app = sqlite_app(where, errors=False)
    finding, probe = scan(SqlInjection(), app, get(f"http://app.test/u?q={value}"))
    assert finding is not None
    assert "true and false conditions" in finding.evidence
    assert finding.confidence is Confidence.HIGH
    assert finding.request in probe.sent
    assert len(finding.confirmations) == 3


@pytest.mark.parametrize(
    ("where", "value"),
    [("id = {}", "2"), ("name = '{}'", "bob"), ("name LIKE '%{}%'", "o")],
)
@pytest.mark.parametrize("errors", [True, False])
def test_parameterised_queries_are_safe(where: str, value: str, errors: bool) -> None:
    app = sqlite_app(where, errors=errors, parameterised=True)
    finding, _ = scan(SqlInjection(), app, get(f"http://app.test/u?q={value}"))
    assert finding is None


def test_error_text_already_in_the_baseline_is_not_evidence() -> None:
    def handle(request: HttpRequest) -> HttpResponse:
        return page(
            f"<p>FAQ: what does 'unrecognized token: \"' mean? {escape(param(request, 'q'))}</p>"
        )

    finding, _ = scan(SqlInjection(), handle, get("http://app.test/faq?q=1"))
    assert finding is None


def test_quote_parity_is_reported_with_low_confidence() -> None:
    def handle(request: HttpRequest) -> HttpResponse:
        value = param(request, "q")
        if value.count("'") % 2:
            return page("<h1>Internal Server Error</h1>", 500)
        return page("<p>Nothing found</p>" if value != "bob" else "<p>bob</p><p>bob@x</p>")

    finding, _ = scan(SqlInjection(), handle, get("http://app.test/u?q=bob"))
    assert finding is not None
    assert finding.confidence is Confidence.LOW
    assert "odd number of quotes" in finding.evidence


def delay_app(pattern: str, *, vulnerable: bool = True, base: float = 0.05) -> App:
    """Emulates a database that sleeps when the injected SQL calls ``pattern``'s
    function (no real sleeping: the response says how long it took)."""
    sleep = re.compile(pattern)

    def handle(request: HttpRequest) -> HttpResponse:
        value = param(request, "q")
        match = sleep.search(value)
        elapsed = base + (int(match.group(1)) if match and vulnerable else 0)
        return page(f"<p>Result for {escape(value)}</p>", elapsed=elapsed)

    return handle


@pytest.mark.parametrize(
    ("pattern", "dbms"),
    [
        (r"^bob'\|\|\(SELECT ''\|\|pg_sleep\((\d+)\)\)\|\|'$", "PostgreSQL"),
        (r"SLEEP\((\d+)\)", "MySQL"),
        (r"WAITFOR DELAY '0:0:(\d+)'", "Microsoft SQL Server"),
    ],
)
def test_time_based(pattern: str, dbms: str) -> None:
    finding, probe = scan(SqlInjection(), delay_app(pattern), get("http://app.test/u?q=bob"))
    assert finding is not None
    assert finding.evidence.startswith(dbms)
    assert len(finding.confirmations) == 2
    assert finding.request in probe.sent


def test_time_based_needs_a_fast_control() -> None:
    slow = delay_app(r"(pg_sleep|SLEEP|WAITFOR)", vulnerable=False, base=0.05)

    def always_slow_for_payloads(request: HttpRequest) -> HttpResponse:
        response = slow(request)
        if "sleep" in request.url.lower() or "WAITFOR" in request.url:
            return page(response.text, elapsed=2.5)
        return response

    finding, _ = scan(SqlInjection(), always_slow_for_payloads, get("http://app.test/u?q=bob"))
    assert finding is None


def test_one_slow_answer_is_not_enough() -> None:
    answers = iter([0.05, 2.5])  # baseline, then the first delay probe only

    def handle(request: HttpRequest) -> HttpResponse:
        return page("<p>same</p>", elapsed=next(answers, 0.05))

    finding, _ = scan(SqlInjection(), handle, get("http://app.test/u?q=bob"))
    assert finding is None


def test_reflecting_sleep_payloads_without_sleeping_is_safe() -> None:
    finding, _ = scan(
        SqlInjection(),
        delay_app(r"pg_sleep\((\d+)\)", vulnerable=False),
        get("http://app.test/u?q=bob"),
    )
    assert finding is None


Handler = Callable[[HttpRequest], HttpResponse]

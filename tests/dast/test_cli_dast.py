"""`bastion dast` as a user runs it: a subprocess against small apps on loopback.

stdout must be exactly the report (one JSON document for --format json), progress and
errors go to stderr, and exit codes follow --fail-on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from bastion.cli.dast import FailOn, _fails, parse_cookies, parse_duration, parse_header
from bastion.dast.model import DastReport
from tests.dast.engine.loopback import closed_port_url, serve
from tests.dast.reports.factories import mixed_report

XSS_RULE = "dast.xss.reflected"
SAFE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


async def home(request: Request) -> Response:
    return HTMLResponse(
        '<!DOCTYPE html><html><body><a href="/search?q=shoes">search</a></body></html>',
        headers=SAFE_HEADERS,
    )


async def search(request: Request) -> Response:
    # Reflected XSS on purpose: the query comes back unescaped.
    query = request.query_params.get("q", "")
    return HTMLResponse(
        f"<!DOCTYPE html><html><body><p>Results for {query}</p></body></html>",
        headers=SAFE_HEADERS,
    )


async def slow_home(request: Request) -> Response:
    links = "".join(f'<a href="/slow/{i}">{i}</a>' for i in range(100))
    return HTMLResponse(f"<!DOCTYPE html><html><body>{links}</body></html>")


async def slow_page(request: Request) -> Response:
    await asyncio.sleep(0.5)
    return HTMLResponse("<!DOCTYPE html><html><body>slow</body></html>")


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with serve(Starlette(routes=[Route("/", home), Route("/search", search)])) as url:
        yield url + "/"


def bastion(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # Only the variables a test sets: the developer's own BASTION_DAST_* must not leak in.
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BASTION_DAST_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bastion", "dast", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )


def one_json_document(text: str) -> dict[str, Any]:
    data, end = json.JSONDecoder().raw_decode(text)
    assert text[end:].strip() == "", "stdout holds exactly one JSON document"
    assert isinstance(data, dict)
    return data


QUICK = ("--no-browser", "--max-duration", "60", "--timeout", "5")


def test_json_report_on_stdout_progress_on_stderr_and_exit_1_for_a_high_finding(
    app_url: str,
) -> None:
    done = bastion(app_url, "--format", "json", "--rule", XSS_RULE, *QUICK)
    assert done.returncode == 1, done.stderr
    report = one_json_document(done.stdout)
    assert report["stats"]["stop_reason"] == "completed"
    assert report["stats"]["target"] == app_url
    (finding,) = report["findings"]
    assert finding["rule_id"] == XSS_RULE
    assert finding["severity"] == "HIGH"
    assert finding["parameter"] == "q"
    assert finding["url"].startswith(app_url + "search?q=")
    assert type(finding["cwe"]) is int
    assert f"bastion: scanning {app_url}" in done.stderr
    assert "bastion: scan ended (completed)" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 0), ("none", 0), ("medium", 1)])
def test_fail_on_sets_the_threshold(app_url: str, fail_on: str, code: int) -> None:
    done = bastion(app_url, "-f", "json", "--rule", XSS_RULE, "--fail-on", fail_on, *QUICK)
    assert done.returncode == code, done.stderr
    assert len(one_json_document(done.stdout)["findings"]) == 1


def test_passive_only_sends_no_payloads_and_exits_0(app_url: str) -> None:
    done = bastion(app_url, "--format", "json", "--passive-only", "--rule", XSS_RULE, *QUICK)
    assert done.returncode == 0, done.stderr
    assert one_json_document(done.stdout)["findings"] == []


def test_unreachable_target_prints_the_report_and_exits_2() -> None:
    done = bastion(closed_port_url() + "/", "--format", "json", *QUICK)
    assert done.returncode == 2
    report = one_json_document(done.stdout)
    assert report["findings"] == []
    assert report["stats"]["stop_reason"].startswith("target unreachable")
    assert "bastion: error: target unreachable" in done.stderr
    assert "Traceback" not in done.stderr


def test_report_to_a_file_and_other_formats(app_url: str, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    done = bastion(app_url, "-f", "html", "-o", str(html), "--rule", XSS_RULE, *QUICK)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    text = html.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<script>" not in text.split("<body>", 1)[1].replace("&lt;script&gt;", "")
    sarif = bastion(app_url, "--rule", XSS_RULE, *QUICK, env={"BASTION_DAST_FORMAT": "sarif"})
    assert sarif.returncode == 1, sarif.stderr
    assert one_json_document(sarif.stdout)["runs"][0]["results"][0]["ruleId"] == XSS_RULE
    table = bastion(app_url, "--rule", XSS_RULE, *QUICK)
    assert table.returncode == 1, table.stderr
    assert XSS_RULE in table.stdout
    assert f"1 finding on {app_url} (1 high)" in table.stdout
    assert "Stopped: completed" in table.stdout


def test_a_time_budget_still_prints_a_report(app_url: str) -> None:
    done = bastion(app_url, "-f", "json", "--no-browser", "--max-duration", "0.01s")
    report = one_json_document(done.stdout)
    assert report["stats"]["stop_reason"] in {"time budget", "completed"}
    assert done.returncode in {0, 1}, done.stderr


def test_ctrl_c_prints_the_report_so_far_and_exits_130() -> None:
    app = Starlette(routes=[Route("/", slow_home), Route("/slow/{n}", slow_page)])
    with serve(app) as url:
        args = [url + "/", "-f", "json", "--concurrency", "1", *QUICK]
        process = subprocess.Popen(
            [sys.executable, "-m", "bastion", "dast", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # Wait until the scan runs (its first stderr line), then interrupt it.
            assert process.stderr is not None
            assert process.stderr.readline().startswith("bastion: scanning")
            time.sleep(1.0)
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=30)
        finally:
            process.kill()
    assert process.returncode == 130, stderr
    report = one_json_document(stdout)
    assert report["stats"]["stop_reason"] == "interrupted"
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://example.test/"], "http:// or https://"),
        (["localhost:8000"], "did you mean http://localhost:8000"),
        (["http:///nohost"], "no host"),
        (["http://127.0.0.1:1/", "--max-duration", "soon"], "not a duration"),
        (["http://127.0.0.1:1/", "-H", "NoColon"], "--header wants"),
        (["http://127.0.0.1:1/", "--cookie", "novalue"], "--cookie wants"),
        (["http://127.0.0.1:1/", "--exclude", "("], "not a valid regular expression"),
        (["http://127.0.0.1:1/", "--rule", "no.such.rule"], "unknown rule no.such.rule"),
        (["http://127.0.0.1:1/", "--login-url", "http://127.0.0.1:1/login"], "go together"),
        (["http://127.0.0.1:1/", "--openapi", "/nonexistent/api.yaml"], "no such file"),
        (["http://127.0.0.1:1/", "-o", "/nonexistent/dir/report.json"], "no such directory"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(args: list[str], message: str) -> None:
    done = bastion(*args, "--no-browser")
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr


# -- in-process: threshold and parsers ----------------------------------------------------


def test_threshold() -> None:
    report: DastReport = mixed_report()  # one high, one medium, one low
    assert _fails(report, FailOn.HIGH)
    assert _fails(report, FailOn.LOW)
    assert not _fails(report, FailOn.CRITICAL)
    assert not _fails(report, FailOn.NONE)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("900", 900), ("90s", 90), ("15m", 900), ("1h30m", 5400), ("1.5h", 5400),
     ("1m30", 90), (" 2m 5s ", 125), (".5", 0.5)],
)  # fmt: skip
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "m", "1x", "-5", "1m1m", "30 1m", "inf", "1e3"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@given(st.integers(0, 99), st.integers(0, 59), st.integers(0, 59))
def test_duration_parts_add_up(hours: int, minutes: int, seconds: int) -> None:
    text = f"{hours}h{minutes}m{seconds}s"
    total = hours * 3600 + minutes * 60 + seconds
    if total == 0:
        with pytest.raises(ValueError, match="duration"):
            parse_duration(text)
    else:
        assert parse_duration(text) == total


@given(st.text())
def test_parsers_raise_only_value_error(text: str) -> None:
    for parser in (parse_duration, parse_header, parse_cookies):
        with contextlib.suppress(ValueError):
            parser(text)


def test_headers_and_cookies() -> None:
    assert parse_header("Authorization: Bearer a:b ") == ("Authorization", "Bearer a:b")
    assert parse_cookies("sid=1; theme=dark") == [("sid", "1"), ("theme", "dark")]
    assert parse_cookies("token=a=b") == [("token", "a=b")]
    for bad in ["Bad Name: x", ": x", "X: a\r\nInjected: 1"]:
        with pytest.raises(ValueError, match="--header"):
            parse_header(bad)
    with pytest.raises(ValueError, match="--cookie"):
        parse_cookies(";")

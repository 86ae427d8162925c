from __future__ import annotations

import re

import pytest

from bastion.dast.checks.active.cmdi import CommandInjection
from bastion.dast.model import HttpRequest, HttpResponse, Location
from tests.dast.checks.active.fakes import App, escape, page, param, scan

URL = "http://app.test/ping"
FORM = "application/x-www-form-urlencoded"
# What a shell does with the injected text after ``ping -c 1 <host>``: a command after a
# separator (or in a substitution) runs. Enough shell to tell running from echoing.
_RUNS = r"(?:[;|&\n]|\$\(|`)\s*"
_ECHO = re.compile(_RUNS + r"echo (\w+)\$\(\((\d+)\*(\d+)\)\)")
_SLEEP = re.compile(_RUNS + r"sleep (\d+)")


def ping_app(*, execute: bool = True, output: bool = True, entities: bool = False) -> App:
    def handle(request: HttpRequest) -> HttpResponse:
        host = param(request, "host")
        lines = [f"PING {host}"]
        elapsed = 0.03
        if execute:
            lines += [f"{m[1]}{int(m[2]) * int(m[3])}" for m in _ECHO.finditer(host)]
            elapsed += sum(int(m[1]) for m in _SLEEP.finditer(host))
        text = "\n".join(lines) if output else "done"
        # Some pages encode every character as an entity; the evidence must survive it.
        body = "".join(f"&#{ord(c)};" for c in text) if entities else escape(text)
        return page(f"<pre>{body}</pre>", elapsed=elapsed)

    return handle


def request() -> HttpRequest:
    return HttpRequest("POST", URL, body=b"host=127.0.0.1&count=1", content_type=FORM)


@pytest.mark.parametrize("entities", [False, True])
def test_command_output(entities: bool) -> None:
    finding, probe = scan(
        CommandInjection(), ping_app(entities=entities), request(), Location.FORM, "host"
    )
    assert finding is not None
    assert "output of the injected command" in finding.evidence
    assert finding.request is probe.sent[0]
    assert (finding.payload or "").startswith(";echo ")
    assert finding.confirmations


def test_blind_command_by_delay() -> None:
    finding, probe = scan(
        CommandInjection(), ping_app(output=False), request(), Location.FORM, "host"
    )
    assert finding is not None
    assert finding.request is probe.sent[-3]
    assert finding.evidence.startswith("shell delay")
    assert finding.payload == ";sleep 2;#"
    assert len(finding.confirmations) == 2


def test_echoing_the_payload_is_not_running_it() -> None:
    finding, _ = scan(CommandInjection(), ping_app(execute=False), request(), Location.FORM, "host")
    assert finding is None


def test_payloads_are_appended_to_the_value() -> None:
    finding, _ = scan(CommandInjection(), ping_app(), request(), Location.FORM, "host")
    assert finding is not None
    assert finding.request is not None
    assert finding.request.body.startswith(b"host=127.0.0.1%3Becho")
    assert finding.request.body.endswith(b"&count=1")

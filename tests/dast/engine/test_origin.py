"""The foreign-Origin requests that let the CORS rule see an echoed origin."""

from __future__ import annotations

from bastion.dast.checks.passive.cors_permissive import PROBE_ORIGIN, PermissiveCorsRule
from bastion.dast.checks.passive.csp_missing import MissingCspRule
from bastion.dast.engine.origin import MAX_ORIGIN_PROBES, origin_requests, probe_origin
from bastion.dast.model import HttpRequest, InputSource, ScanInput


def _input(method: str, url: str, **changes: object) -> ScanInput:
    return ScanInput(HttpRequest(method, url, **changes), InputSource.LINK)  # type: ignore[arg-type]


def test_the_cors_rule_turns_the_probe_on_and_others_do_not() -> None:
    assert probe_origin([MissingCspRule(), PermissiveCorsRule()]) == PROBE_ORIGIN
    assert probe_origin([MissingCspRule()]) is None


def test_one_request_per_endpoint_with_the_foreign_origin() -> None:
    inputs = [
        _input("GET", "http://app.test/a?x=1"),
        _input("GET", "http://app.test/a?x=2"),
        _input("POST", "http://app.test/a", body=b"x=1", content_type="text/plain"),
        _input("GET", "http://app.test/b", headers=(("Origin", "http://app.test"),)),
    ]
    requests = origin_requests(inputs, "https://evil.example")
    assert [(r.method, r.url) for r in requests] == [
        ("GET", "http://app.test/a?x=1"),
        ("POST", "http://app.test/a"),
        ("GET", "http://app.test/b"),
    ]
    assert all(r.header("origin") == "https://evil.example" for r in requests)
    assert [v for k, v in requests[2].headers if k.lower() == "origin"] == ["https://evil.example"]
    assert requests[1].body == b"x=1"


def test_the_number_of_requests_is_bounded() -> None:
    inputs = [_input("GET", f"http://app.test/p{n}") for n in range(MAX_ORIGIN_PROBES + 50)]
    assert len(origin_requests(inputs, PROBE_ORIGIN)) == MAX_ORIGIN_PROBES

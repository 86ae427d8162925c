"""No input makes a passive rule raise: the engine runs them on everything a scan sees."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.checks.passive import PASSIVE_RULES
from bastion.dast.model import Exchange, HttpRequest, HttpResponse

_INTERESTING_HEADERS = [
    "Content-Type",
    "Content-Security-Policy",
    "Content-Security-Policy-Report-Only",
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Set-Cookie",
    "Server",
    "X-Powered-By",
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
]
_NAMES = st.one_of(st.sampled_from(_INTERESTING_HEADERS), st.text(max_size=20))
_HEADERS = st.lists(st.tuples(_NAMES, st.text(max_size=120)), max_size=8).map(tuple)
_BODIES = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b"<!doctype html><meta http-equiv=content-security-policy content=",
            b"<meta name=referrer content='unsafe-url'><title>Index of /",
            b'Traceback (most recent call last):\n  File "x", line',
            b"PK\x03\x04",
        ]
    ),
)
_URLS = st.one_of(
    st.sampled_from(
        [
            "https://shop.example/.env",
            "http://shop.example/backup.zip",
            "https://[::1]:8443/.git/HEAD",
            "http://[invalid/",
            "",
        ]
    ),
    st.text(max_size=60),
)


@given(
    url=_URLS,
    status=st.integers(min_value=0, max_value=999),
    headers=_HEADERS,
    request_headers=_HEADERS,
    body=_BODIES,
)
def test_rules_never_raise(
    url: str,
    status: int,
    headers: tuple[tuple[str, str], ...],
    request_headers: tuple[tuple[str, str], ...],
    body: bytes,
) -> None:
    exchange = Exchange(
        HttpRequest("GET", url, headers=request_headers),
        HttpResponse(url=url, status=status, headers=headers, body=body, elapsed=0.0),
    )
    for rule in PASSIVE_RULES:
        for finding in rule().check(exchange):
            assert finding.rule_id == rule.rule_id
            assert finding.evidence

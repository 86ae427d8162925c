"""Permissive CORS on recorded responses."""

from __future__ import annotations

import pytest

from bastion.dast.checks.passive.cors_permissive import PermissiveCorsRule
from bastion.dast.model import Confidence
from bastion.models import Severity
from tests.dast.checks.passive.recorded import exchange

JSON = ("Content-Type", "application/json")
EVIL = "https://evil.example"


def _check(
    allow: str | None, credentials: bool, origin: str | None, url: str = "https://shop.example/api"
) -> list[tuple[Severity, Confidence]]:
    headers = [JSON]
    if allow is not None:
        headers.append(("Access-Control-Allow-Origin", allow))
    if credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    request_headers = () if origin is None else (("Origin", origin),)
    recorded = exchange(url, headers=tuple(headers), body=b"{}", request_headers=request_headers)
    return [(f.severity, f.confidence) for f in PermissiveCorsRule().check(recorded)]


@pytest.mark.parametrize(
    ("allow", "credentials", "origin", "expected"),
    [
        ("*", True, None, [(Severity.MEDIUM, Confidence.HIGH)]),
        ("*", False, None, []),
        ("*", False, EVIL, []),
        (EVIL, True, EVIL, [(Severity.HIGH, Confidence.MEDIUM)]),
        (EVIL, False, EVIL, [(Severity.LOW, Confidence.MEDIUM)]),
        ("https://EVIL.example:443", True, EVIL, [(Severity.HIGH, Confidence.MEDIUM)]),
        ("null", True, "null", [(Severity.HIGH, Confidence.HIGH)]),
        ("null", False, "null", []),
        ("https://partner.example", True, EVIL, []),
        ("https://partner.example", True, None, []),
        (None, False, EVIL, []),
        # The site's own origin (a same-origin POST carries it) may be echoed.
        ("https://shop.example", True, "https://shop.example", []),
    ],
)
def test_cors(
    allow: str | None,
    credentials: bool,
    origin: str | None,
    expected: list[tuple[Severity, Confidence]],
) -> None:
    assert _check(allow, credentials, origin) == expected


def test_credentials_must_say_true() -> None:
    headers = (
        JSON,
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Credentials", "false"),
    )
    assert PermissiveCorsRule().check(exchange(headers=headers, body=b"{}")) == []


def test_reflection_evidence_names_the_origin() -> None:
    recorded = exchange(
        headers=(
            JSON,
            ("Access-Control-Allow-Origin", EVIL),
            ("Access-Control-Allow-Credentials", "true"),
        ),
        request_headers=(("Origin", EVIL),),
    )
    [finding] = PermissiveCorsRule().check(recorded)
    assert EVIL in finding.evidence
    assert "Allow-Credentials" in finding.evidence

"""The passive rules against the DAST test app, page by page: every passive entry of
its manifest is found where it says, and none of its safe pages is flagged. Site-wide
rules are checked here on single pages, which the engine's per-site deduplication
cannot show."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bastion.dast.checks.passive import PASSIVE_RULES
from bastion.dast.model import DastFinding, Exchange, HttpRequest, HttpResponse
from tests.support.dast_app import dast_app_url  # noqa: F401 - pytest fixture
from tests.support.dast_app.expected import (
    EXPECTED,
    RULE_ID,
    SAFE,
    SECONDARY,
    ExpectedFinding,
    Kind,
    SafePlace,
)

PASSIVE_KINDS = frozenset(RULE_ID)
# What the engine sends on some requests so that reflected origins show.
FOREIGN_ORIGIN = "https://elsewhere.example"


@pytest.fixture
def client(dast_app_url: str) -> Iterator[httpx.Client]:  # noqa: F811 - the fixture
    with httpx.Client(base_url=dast_app_url, timeout=10.0) as client:
        yield client


def _findings(
    client: httpx.Client, path: str, headers: dict[str, str] | None = None
) -> list[DastFinding]:
    response = client.get(path, headers=headers or {})
    exchange = Exchange(
        HttpRequest("GET", str(response.request.url), headers=tuple((headers or {}).items())),
        HttpResponse(
            url=str(response.url),
            status=response.status_code,
            headers=tuple(response.headers.multi_items()),
            body=response.content,
            elapsed=0.0,
        ),
    )
    return [finding for rule in PASSIVE_RULES for finding in rule().check(exchange)]


PASSIVE_EXPECTED = [entry for entry in EXPECTED if entry.kind in PASSIVE_KINDS]
PASSIVE_SAFE = [entry for entry in SAFE if set(entry.kinds) & PASSIVE_KINDS]


@pytest.mark.parametrize(
    "entry", PASSIVE_EXPECTED, ids=[f"{e.kind}:{e.path}:{e.parameter}" for e in PASSIVE_EXPECTED]
)
def test_expected_passive_findings_are_found(client: httpx.Client, entry: ExpectedFinding) -> None:
    found = _findings(client, entry.path, {"Origin": FOREIGN_ORIGIN})
    hits = [f for f in found if f.rule_id == entry.rule_id and f.parameter in entry.names()]
    assert hits, (entry, [(f.rule_id, f.parameter) for f in found])
    assert all(hit.cwe == entry.cwe for hit in hits)


@pytest.mark.parametrize(
    "entry", PASSIVE_SAFE, ids=[f"{e.path}:{e.parameter}" for e in PASSIVE_SAFE]
)
def test_safe_pages_are_not_flagged(client: httpx.Client, entry: SafePlace) -> None:
    rule_ids = {RULE_ID[kind] for kind in entry.kinds if kind in RULE_ID}
    found = _findings(client, entry.path, {"Origin": FOREIGN_ORIGIN})
    wrong = [f for f in found if f.rule_id in rule_ids and f.parameter in entry.names()]
    assert wrong == []


@pytest.mark.parametrize(
    "path",
    [
        "/sqli/product?id=1'",
        "/ldap/people?user=a)(",
        "/xpath/user?name='",
        "/ssti/greet?name={{",
        "/cart/view",
        "/files/view?name=nothing",
        "/api/products?search='",
    ],
)
def test_ordinary_error_pages_are_no_stack_traces(client: httpx.Client, path: str) -> None:
    headers = {"Cookie": "cart=bm90IGEgcGlja2xl"} if path == "/cart/view" else {}
    found = _findings(client, path, headers)
    assert [f for f in found if f.rule_id == RULE_ID[Kind.STACK_TRACE]] == []


def test_endpoint_findings_appear_only_where_the_manifest_says(client: httpx.Client) -> None:
    """Crawl-like visits of the section pages: endpoint-scope findings are all expected."""
    allowed = {
        (entry.rule_id, entry.path, entry.parameter)
        for entry in (*PASSIVE_EXPECTED, *SECONDARY)
        if entry.rule_id is not None
    }
    # Site-wide: every page of the app but /secure/ lacks these headers.
    everywhere = {
        RULE_ID[kind]
        for kind in (
            Kind.CSP_MISSING,
            Kind.XCTO_MISSING,
            Kind.FRAME_MISSING,
            Kind.REFERRER_POLICY_MISSING,
        )
    }
    for path in ("/", "/xss/", "/sqli/", "/files/", "/prefs", "/cart", "/passive/", "/shop/"):
        for finding in _findings(client, path):
            if finding.rule_id in everywhere:
                continue
            assert (finding.rule_id, path, finding.parameter) in allowed, finding

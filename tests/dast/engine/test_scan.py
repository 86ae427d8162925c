"""The scan engine end to end, over real HTTP on loopback, with the tests' own tiny rules
(tests/dast/engine/rules.py) so that what is tested is the engine: dedup, budgets,
failure handling and scheduling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import urlsplit

import orjson
import pytest

from bastion.dast.checks.base import ActiveRule, PassiveRule
from bastion.dast.crawler.client import TargetClient
from bastion.dast.crawler.crawl import CrawlResult
from bastion.dast.engine.scan import HARD_DEADLINE_GRACE, NOTES_PER_RULE, Discover, run_scan
from bastion.dast.model import DastReport, HttpRequest, InputSource, ScanInput, ScanStats
from bastion.dast.options import DastOptions
from bastion.dast.reports import json as json_report
from tests.dast.engine import apps, rules
from tests.dast.engine.loopback import closed_port_url, serve


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(apps.reflecting_app()) as url:
        yield url


def options(target: str, **changes: object) -> DastOptions:
    base = DastOptions(
        target=target,
        browser=False,
        max_duration=30.0,
        timeout=3.0,
        retries=0,
        requests_per_second=2000.0,
        max_response_bytes=256 * 1024,
    )
    return replace(base, **changes)  # type: ignore[arg-type] # test helper: fields vary


def inputs(*urls: str, cookies: tuple[tuple[str, str], ...] = ()) -> Discover:
    """A stand-in crawler that 'finds' exactly these URLs, linked from the target."""

    async def discover(
        options: DastOptions, client: TargetClient, *, stats: ScanStats
    ) -> CrawlResult:
        parts = urlsplit(options.target)
        base = f"{parts.scheme}://{parts.netloc}"
        found = [
            ScanInput(
                HttpRequest("GET", base + url, cookies=cookies),
                InputSource.LINK,
                page=options.target,
            )
            for url in urls
        ]
        stats.pages = 1
        return CrawlResult(inputs=found, pages=[options.target])

    return discover


def scan(
    opts: DastOptions,
    *,
    active: list[ActiveRule] | None = None,
    passive: list[PassiveRule] | None = None,
    discover: Discover | None = None,
    interrupt_after: float | None = None,
) -> DastReport:
    async def main() -> DastReport:
        interrupt = asyncio.Event()
        if interrupt_after is not None:
            asyncio.get_running_loop().call_later(interrupt_after, interrupt.set)
        return await run_scan(
            opts,
            rules=active if active is not None else [],
            passive=passive if passive is not None else [],
            discover=discover,
            interrupt=interrupt,
        )

    return asyncio.run(main())


def assert_valid_report(report: DastReport) -> dict[str, object]:
    data = orjson.loads(json_report.render(report))
    assert isinstance(data, dict)
    assert set(data) == {"findings", "stats"}
    return data


# -- findings ---------------------------------------------------------------------------


def test_one_finding_per_rule_endpoint_and_parameter_never_merged_across_endpoints(
    site: str,
) -> None:
    reflect = rules.Reflect()
    report = scan(
        options(site + "/"),
        active=[reflect],
        discover=inputs("/a?q=1", "/a?q=2&x=1", "/b?q=1"),
    )
    found = sorted((f.endpoint, f.parameter) for f in report.findings)
    assert found == [(f"GET {site}/a", "q"), (f"GET {site}/b", "q")]
    assert report.stats.stop_reason == "completed"
    assert_valid_report(report)


def test_finding_url_is_the_probing_request_not_the_linking_page(site: str) -> None:
    report = scan(options(site + "/"), active=[rules.Reflect()], discover=inputs("/b?q=1"))
    (finding,) = report.findings
    assert finding.url.startswith(f"{site}/b?q=")
    assert finding.payload is not None
    assert finding.url == f"{site}/b?q={finding.payload}"
    assert finding.request is not None
    assert finding.request.url == finding.url
    assert len(finding.confirmations) == 1


def test_passive_rules_see_every_exchange_and_dedupe_by_scope(site: str) -> None:
    header = rules.MissingHeader()
    report = scan(
        options(site + "/"),
        active=[rules.Reflect()],
        passive=[rules.TokenLeak(), header],
        discover=inputs("/a?q=1", "/b?q=1"),
    )
    by_rule: dict[str, list[str]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding.url)
    # Site scope: once for the whole site, however many responses lacked the header; and
    # it stopped looking once it had reported.
    assert len(by_rule["test-missing-header"]) == 1
    assert header.checked == 1
    # The exposed-file paths of the rule's module were requested, and only the one that
    # leaks the token is reported.
    assert by_rule["test-token"] == [f"{site}/.env"]
    assert len(by_rule["test-reflect"]) == 2


def test_a_broken_rule_is_noted_and_the_scan_goes_on(site: str) -> None:
    report = scan(
        options(site + "/"),
        active=[rules.Broken(), rules.Reflect()],
        passive=[rules.BrokenPassive(), rules.TokenLeak()],
        discover=inputs(*(f"/a?q=1&p{i}=1" for i in range(6)), "/b?q=1"),
    )
    assert report.stats.stop_reason == "completed"
    assert {f.rule_id for f in report.findings} == {"test-reflect", "test-token"}
    broken = [n for n in report.stats.notes if n.startswith("rule test-broken ")]
    assert 1 < len(broken) <= NOTES_PER_RULE + 1
    assert "RuntimeError: boom" in broken[0]
    assert any("failed" in n and "times in all" in n for n in broken)
    assert sum(n.startswith("rule test-broken-passive ") for n in report.stats.notes) == 1


def test_an_undigestible_answer_fails_one_request_not_the_scan(site: str) -> None:
    report = scan(
        options(site + "/bad-redirect?q=1"),
        active=[rules.Reflect()],
        discover=inputs("/bad-redirect?q=1", "/a?q=1"),
    )
    assert report.stats.stop_reason == "completed"
    assert [f.url.split("?")[0] for f in report.findings] == [f"{site}/a"]


def test_a_rule_sending_more_than_its_budget_is_stopped(site: str) -> None:
    report = scan(options(site + "/"), active=[rules.Greedy()], discover=inputs("/a?q=1"))
    assert report.findings == ()
    assert any("max_requests=1" in note for note in report.stats.notes)


def test_static_assets_and_binary_answers_are_not_probed(site: str) -> None:
    recorder = rules.Recorder()
    report = scan(
        options(site + "/"),
        active=[recorder],
        discover=inputs("/style.css?v=3", "/binary?q=1", "/a?q=1"),
    )
    probed = {url for url, _ in recorder.calls}
    assert probed == {f"{site}/a?q=1"}
    assert report.stats.stop_reason == "completed"


def test_huge_and_endless_bodies_are_capped_and_scanned(site: str) -> None:
    reflect = rules.Reflect()
    report = scan(
        options(site + "/", max_response_bytes=64 * 1024),
        active=[reflect],
        passive=[rules.TokenLeak()],
        discover=inputs("/huge?q=1", "/stream?q=1"),
    )
    assert report.stats.stop_reason == "completed"
    assert {url for url, _ in reflect.calls} == {f"{site}/huge?q=1", f"{site}/stream?q=1"}
    assert_valid_report(report)


def test_endpoint_level_points_are_probed_once_per_path(site: str) -> None:
    recorder = rules.Recorder()
    scan(
        options(site + "/"),
        active=[recorder],
        discover=inputs("/a?q=1", "/a?q=2&x=1", "/b?q=1", cookies=(("session", "abc"),)),
    )
    per_path: dict[tuple[str, str, str], int] = {}
    for url, point in recorder.calls:
        if point.location.value in {"header", "header_name", "cookie"}:
            key = (url.split("?")[0], point.location.value, point.name)
            per_path[key] = per_path.get(key, 0) + 1
    assert per_path, "the insertion points include headers or cookies"
    assert set(per_path.values()) == {1}
    query = sorted(point.name for url, point in recorder.calls if point.location.value == "query")
    assert query == ["q", "q", "q", "x"]


def test_cookies_are_probed_only_where_the_page_reads_them(site: str) -> None:
    recorder = rules.Recorder()
    scan(
        options(site + "/"),
        active=[recorder],
        discover=inputs("/lang", "/a?q=1", "/token", cookies=(("lang", "en"), ("sid", "x"))),
    )
    cookies = sorted(
        (url.removeprefix(site), point.name)
        for url, point in recorder.calls
        if point.location.value == "cookie"
    )
    # /lang shows lang and ignores sid; /a ignores both; /token changes on every load, so
    # the engine cannot tell and probes both.
    assert cookies == [("/lang", "lang"), ("/token", "lang"), ("/token", "sid")]
    assert not any(point.location.value == "header_name" and url.startswith(f"{site}/a")
                   for url, point in recorder.calls)  # fmt: skip


def test_timing_rules_run_one_at_a_time(site: str) -> None:
    timing, other = rules.TimingRecorder(), rules.SlowRecorder()
    scan(
        options(site + "/"),
        active=[timing, other],
        discover=inputs(*(f"/a?q={i}&p{i}=1" for i in range(8))),
    )
    assert len(timing.calls) >= 8
    assert timing.max_running == 1
    assert other.max_running > 1


def test_progress_is_reported(site: str) -> None:
    seen: list[tuple[int, int]] = []

    async def main() -> DastReport:
        return await run_scan(
            options(site + "/"),
            progress=lambda stats, findings: seen.append((stats.requests, findings)),
            rules=[rules.Reflect()],
            passive=[],
            discover=inputs("/a?q=1", "/b?q=1"),
        )

    report = asyncio.run(main())
    assert seen
    assert seen[-1] == (report.stats.requests, len(report.findings))


def test_passive_only_sends_no_payloads(site: str) -> None:
    recorder = rules.Recorder()
    report = scan(
        options(site + "/", active=False),
        active=[recorder],
        passive=[rules.TokenLeak()],
        discover=inputs("/a?q=1"),
    )
    assert recorder.calls == []
    assert [f.rule_id for f in report.findings] == ["test-token"]


def test_a_crawler_failure_is_noted_and_the_target_still_probed(site: str) -> None:
    async def broken(
        options: DastOptions, client: TargetClient, *, stats: ScanStats
    ) -> CrawlResult:
        raise KeyError("crawler bug")

    reflect = rules.Reflect()
    report = scan(options(site + "/a?q=1"), active=[reflect], discover=broken)
    assert any(note.startswith("crawl failed: KeyError") for note in report.stats.notes)
    assert [f.parameter for f in report.findings] == ["q"]


# -- stopping ---------------------------------------------------------------------------


def test_time_budget_ends_the_scan_with_a_valid_report(site: str) -> None:
    started = time.monotonic()
    report = scan(
        options(site + "/", max_duration=1.5, timeout=1.0),
        active=[rules.Reflect(), rules.SlowRecorder()],
        discover=inputs("/a?q=1", *(f"/slow?q={i}&p{i}=1" for i in range(60))),
    )
    elapsed = time.monotonic() - started
    assert report.stats.stop_reason == "time budget"
    assert elapsed < 1.5 + 1.0 + HARD_DEADLINE_GRACE
    assert report.findings, "what was found before the budget ran out is kept"
    assert_valid_report(report)


def test_request_budget_ends_the_scan_with_a_valid_report(site: str) -> None:
    report = scan(
        options(site + "/", max_requests=15),
        active=[rules.Reflect()],
        discover=inputs(*(f"/a?q={i}&p{i}=1" for i in range(30))),
    )
    assert report.stats.stop_reason == "request budget"
    assert report.stats.requests <= 15
    assert_valid_report(report)


def test_connection_refused_at_the_start() -> None:
    report = scan(options(closed_port_url() + "/"), active=[rules.Reflect()])
    assert report.stats.stop_reason.startswith("target unreachable: ")
    assert report.findings == ()
    assert_valid_report(report)


def test_a_503_storm_stops_the_scan() -> None:
    with serve(apps.failing_app(503)) as url:
        report = scan(
            options(url + "/", max_consecutive_failures=5, retries=0),
            active=[rules.Reflect()],
            discover=inputs(*(f"/x?q={i}&p{i}=1" for i in range(50))),
        )
    assert report.stats.stop_reason.startswith("target failing")
    # Five failures stop the client; only requests already in flight may follow.
    assert report.stats.requests <= 5 + 8
    assert_valid_report(report)


def test_a_500_storm_stops_the_scan_later_than_payload_errors_would() -> None:
    """Payloads provoke 500s on purpose (SQL error pages): only a run ten times longer
    than the unavailable-status limit stops the scan."""
    with serve(apps.failing_app(500)) as url:
        report = scan(
            options(url + "/", max_consecutive_failures=5),
            active=[rules.Reflect()],
            discover=inputs(*(f"/x?q={i}&p{i}=1" for i in range(100))),
        )
    assert report.stats.stop_reason.startswith("target failing")
    assert "consecutive server errors" in report.stats.stop_reason
    assert 50 <= report.stats.requests <= 50 + 8
    assert_valid_report(report)


def test_interrupt_keeps_the_findings_so_far(site: str) -> None:
    report = scan(
        options(site + "/"),
        active=[rules.Reflect(), rules.SlowRecorder()],
        discover=inputs("/a?q=1", *(f"/slow?q={i}&p{i}=1" for i in range(100))),
        interrupt_after=1.0,
    )
    assert report.stats.stop_reason == "interrupted"
    assert report.findings
    assert report.stats.duration < 5


# -- with the real crawler ----------------------------------------------------------------


def test_crawled_site_is_scanned(site: str) -> None:
    reflect = rules.Reflect()
    report = scan(options(site + "/"), active=[reflect], passive=[rules.TokenLeak()])
    assert report.stats.stop_reason == "completed"
    assert report.stats.pages >= 1
    endpoints = {(f.rule_id, f.endpoint) for f in report.findings}
    assert ("test-reflect", f"GET {site}/a") in endpoints
    assert ("test-reflect", f"GET {site}/b") in endpoints
    assert ("test-token", f"GET {site}/.env") in endpoints
    assert not any(url.startswith(f"{site}/style.css") for url, _ in reflect.calls)


def test_redirect_loop_does_not_hang() -> None:
    with serve(apps.redirect_loop_app()) as url:
        report = scan(options(url + "/", max_duration=20.0), active=[rules.Reflect()])
    assert report.stats.stop_reason == "completed"
    assert report.stats.duration < 20
    assert_valid_report(report)


def test_endless_pages_are_bounded() -> None:
    with serve(apps.endless_pages_app()) as url:
        report = scan(options(url + "/", max_pages=20, max_duration=20.0), active=[rules.Reflect()])
    assert report.stats.stop_reason == "completed"
    assert report.stats.pages <= 21
    assert_valid_report(report)

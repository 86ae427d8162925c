"""A full app scan of the vulnerable test app: speed, recall and false alarms.

    PYTHONPATH=. uv run python benchmarks/dast_scan.py [--no-browser] [--concurrency 8]
    PYTHONPATH=. uv run python benchmarks/dast_scan.py --site-pages 2500

The second form scans a generated site instead: that many HTML pages over 50 sections,
each page with links to its neighbours, a search form and a product link with a query,
and one endpoint per section that reflects its parameter unescaped (50 XSS to find). It
measures the issue's "a site of ~2,500 pages within 15 minutes on 2 cores".

Starts ``tests/support/dast_app`` as a real uvicorn server on loopback (same process,
its own thread), scans it with the default options plus its OpenAPI definition, and
scores the findings against ``tests/support/dast_app/expected.py``: every ``EXPECTED``
entry found is a hit, every finding on a ``SAFE`` place a false alarm. Scanner and app
share the machine's 2 cores. Needs PYTHONPATH=. for the app in tests/support.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from tests.support.dast_app import start_dast_app
from tests.support.dast_app.expected import EXPECTED, SAFE, SECONDARY
from tests.support.dast_app.server import serve_app

from bastion.dast.engine.scan import run_scan
from bastion.dast.model import DastFinding, DastReport
from bastion.dast.options import DastOptions


def score(report: DastReport) -> tuple[list[str], list[str], list[str]]:
    """(missed expectations, false alarms, unexpected findings), as readable lines."""
    findings = report.findings
    missed = [
        f"{e.kind} {e.method} {e.path} [{e.parameter}]"
        for e in EXPECTED
        if not any(e.matches(f) for f in findings)
    ]
    false_alarms = [_describe(f) for f in findings if any(s.flagged_by(f) for s in SAFE)]
    unexpected = [
        _describe(f)
        for f in findings
        if not any(e.matches(f) for e in (*EXPECTED, *SECONDARY))
        and not any(s.flagged_by(f) for s in SAFE)
    ]
    return missed, false_alarms, unexpected


def _describe(finding: DastFinding) -> str:
    return f"{finding.rule_id} {finding.method} {finding.url} [{finding.parameter}]"


SECTIONS = 50


def generated_site(pages: int) -> Starlette:
    per_section = max(1, pages // SECTIONS)

    def html(title: str, body: str) -> HTMLResponse:
        return HTMLResponse(f"<!doctype html><title>{title}</title><body>{body}</body>")

    async def index(_: Request) -> HTMLResponse:
        links = "".join(f"<a href='/s{k}/p0'>section {k}</a> " for k in range(SECTIONS))
        return html("home", links)

    async def page(request: Request) -> HTMLResponse:
        section, number = int(request.path_params["s"]), int(request.path_params["p"])
        neighbours = "".join(
            f"<a href='/s{section}/p{n}'>page {n}</a> "
            for n in (number + 1, number + 2, number * 2 + 1)
            if n < per_section
        )
        form = (
            f"<form action='/s{section}/search'><input name='q' value='x'>"
            "<button>go</button></form>"
        )
        product = f"<a href='/s{section}/item?id={number}'>item</a>"
        return html(f"page {section}/{number}", neighbours + form + product)

    async def search(request: Request) -> HTMLResponse:
        # Unescaped on purpose: one reflected XSS per section.
        return html("search", f"<p>Results for {request.query_params.get('q', '')}</p>")

    async def item(request: Request) -> HTMLResponse:
        product_id = request.query_params.get("id", "")
        return html("item", f"<p>Item {product_id.replace('<', '&lt;')}</p>")

    return Starlette(
        routes=[
            Route("/", index),
            Route("/s{s:int}/p{p:int}", page),
            Route("/s{s:int}/search", search),
            Route("/s{s:int}/item", item),
        ]
    )


def scan_generated_site(pages: int, *, browser: bool, concurrency: int) -> None:
    with serve_app(generated_site(pages)) as url:
        options = DastOptions(target=f"{url}/", browser=browser, concurrency=concurrency)
        started = time.perf_counter()
        report = asyncio.run(run_scan(options))
        elapsed = time.perf_counter() - started
    stats = report.stats
    xss = {f.url.split("?")[0] for f in report.findings if f.cwe == 79}
    print(f"generated site of {pages} pages: wall time {elapsed:.1f} s, {stats.stop_reason}")
    print(
        f"requests {stats.requests} ({stats.requests / elapsed:.0f}/s), pages {stats.pages}, "
        f"inputs {stats.inputs}, insertion points {stats.insertion_points}"
    )
    print(f"reflected XSS endpoints found: {len(xss)}/{SECTIONS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--concurrency", type=int, default=DastOptions("x").concurrency)
    parser.add_argument("--site-pages", type=int, help="Scan a generated site instead.")
    args = parser.parse_args()
    if args.site_pages:
        scan_generated_site(
            args.site_pages, browser=not args.no_browser, concurrency=args.concurrency
        )
        return
    with start_dast_app() as url:
        options = DastOptions(
            target=f"{url}/",
            openapi=f"{url}/openapi.json",
            browser=not args.no_browser,
            concurrency=args.concurrency,
        )
        started = time.perf_counter()
        report = asyncio.run(run_scan(options))
        elapsed = time.perf_counter() - started
    missed, false_alarms, unexpected = score(report)
    stats = report.stats
    hits = len(EXPECTED) - len(missed)
    print(f"wall time {elapsed:.1f} s, stop reason: {stats.stop_reason}")
    print(
        f"requests {stats.requests} ({stats.requests / elapsed:.0f}/s), pages {stats.pages}, "
        f"inputs {stats.inputs}, insertion points {stats.insertion_points}, "
        f"errors {stats.errors}"
    )
    print(f"findings {len(report.findings)}: {Counter(f.cwe for f in report.findings)}")
    print(f"recall {hits}/{len(EXPECTED)}, false alarms {len(false_alarms)}")
    for line in missed:
        print(f"  missed: {line}")
    for line in false_alarms:
        print(f"  false alarm: {line}")
    for line in unexpected:
        print(f"  neither expected nor safe: {line}")
    for note in stats.notes:
        print(f"  note: {note}")


if __name__ == "__main__":
    main()

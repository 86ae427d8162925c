"""A full app scan of the vulnerable test app: speed, recall and false alarms.

    PYTHONPATH=. uv run python benchmarks/dast_scan.py [--no-browser] [--concurrency 8]

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

from tests.support.dast_app import start_dast_app
from tests.support.dast_app.expected import EXPECTED, SAFE, SECONDARY

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--concurrency", type=int, default=DastOptions("x").concurrency)
    args = parser.parse_args()
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

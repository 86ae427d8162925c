"""Records per second for importing a folder of OSV dumps into a fresh SQLite mirror.

    uv run python benchmarks/import_speed.py ../shared/osv [--runs 3]

Each run starts from an empty database; the best and median runs are reported.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bastion.advisories.importer import import_path
from bastion.db.engine import ensure_schema, make_engine


def one_run(source: Path) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        ensure_schema(engine)
        started = time.perf_counter()
        report = import_path(engine, source)
        elapsed = time.perf_counter() - started
        engine.dispose()
    return report.read, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [one_run(args.source) for _ in range(args.runs)]
    records = results[0][0]
    times = [elapsed for _, elapsed in results]
    print(f"records read: {records}")
    print(f"best:   {min(times):.2f} s  ({records / min(times):,.0f} records/s)")
    median = statistics.median(times)
    print(f"median: {median:.2f} s  ({records / median:,.0f} records/s)")


if __name__ == "__main__":
    main()

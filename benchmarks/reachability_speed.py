"""Import analysis over a generated tree of source files, timed as a whole.

    uv run python benchmarks/reachability_speed.py [--files 10000] [--runs 3] [--workers N]
        [--crossover]

The tree holds copies of ../shared/fixtures/*-app sources (JavaScript, TypeScript, TSX,
Python, Go, Rust) spread over many directories, with the four apps' manifests and
lockfiles at the root so that every language is wanted. Each run covers the whole
analysis: walking, reading, parsing, mapping. ``--crossover`` times serial and parallel
parsing at several tree sizes, to place ``AnalysisLimits.parallel_min_files``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bastion.models import Dependency
from bastion.sca.reachability import AnalysisLimits, analyse_imports
from bastion.sca.walker import collect

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
APPS = ("npm-app", "python-app", "go-app", "rust-app")
SUFFIXES = frozenset({".js", ".mjs", ".ts", ".tsx", ".py", ".go", ".rs"})
PER_DIRECTORY = 25


def sources() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for app in APPS:
        for path in sorted((FIXTURES / app).rglob("*")):
            if path.suffix in SUFFIXES:
                found.append((app, path))
    return found


def build_tree(root: Path, count: int) -> list[Dependency]:
    files = sources()
    for index in range(count):
        app, path = files[index % len(files)]
        directory = root / app / f"pkg{index // PER_DIRECTORY:04d}"
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, directory / f"{index}{path.suffix}")
    dependencies: list[Dependency] = []
    for app in APPS:
        found, _ = collect(FIXTURES / app)
        dependencies += found
        for manifest in ("package.json", "Cargo.toml", "go.mod"):
            if (FIXTURES / app / manifest).is_file():
                shutil.copyfile(FIXTURES / app / manifest, root / app / manifest)
    return dependencies


def timed(root: Path, dependencies: list[Dependency], limits: AnalysisLimits) -> tuple[float, int]:
    started = time.perf_counter()
    report = analyse_imports(root, dependencies, limits=limits)
    return time.perf_counter() - started, sum(report.files.values())


def crossover(dependencies: list[Dependency], workers: int) -> None:
    print(f"{'files':>7} {'serial ms':>10} {f'{workers} workers ms':>14}")
    for size in (250, 500, 1000, 2000, 5000, 10_000):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            build_tree(root, size)
            serial = min(timed(root, dependencies, AnalysisLimits(workers=1))[0] for _ in range(3))
            pooled = min(
                timed(root, dependencies, AnalysisLimits(workers=workers, parallel_min_files=0))[0]
                for _ in range(3)
            )
        print(f"{size:>7} {serial * 1000:>10.0f} {pooled * 1000:>14.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--crossover", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        dependencies = build_tree(root, args.files)
        if args.crossover:
            crossover(dependencies, args.workers or 2)
            return
        limits = AnalysisLimits(workers=args.workers)
        runs = [timed(root, dependencies, limits) for _ in range(args.runs)]
    seconds = [elapsed for elapsed, _ in runs]
    parsed = runs[0][1]
    best, median = min(seconds), statistics.median(seconds)
    print(f"{parsed} files parsed of {args.files} generated, {len(dependencies)} dependencies")
    print(f"best   {best:.2f} s  {parsed / best:,.0f} files/s")
    print(f"median {median:.2f} s  {parsed / median:,.0f} files/s")


if __name__ == "__main__":
    main()

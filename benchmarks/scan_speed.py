"""Wall time of `bastion scan` as a fresh process on large generated package-lock.json files.

    uv run python benchmarks/scan_speed.py ../shared/osv [--sizes 1000 10000] [--runs 5]

The mirror is loaded once from the OSV dumps. Each lockfile mixes every npm package
named by an advisory (at a low version, so most of them match and the matcher does real
work) with generated filler packages, nested like real npm trees. Timing covers the whole
process: interpreter start, imports, parsing, database look-ups, matching and rendering.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from bastion.advisories.importer import import_path
from bastion.db.engine import ensure_schema, make_engine


def advisory_package_names(osv: Path, ecosystem: str) -> list[str]:
    names: set[str] = set()
    with zipfile.ZipFile(osv / ecosystem / "all.zip") as archive:
        for member in archive.namelist():
            record = json.loads(archive.read(member))
            for affected in record.get("affected", []):
                package = affected.get("package", {})
                if package.get("ecosystem") == ecosystem:
                    names.add(package["name"])
    return sorted(names)


def build_gomod(modules: list[str]) -> str:
    """Worst case for matching: every module has advisories, at a version most affect."""
    lines = ["module example.com/bench", "", "go 1.22", "", "require ("]
    lines += [f"\t{module} v0.0.1" for module in modules if module != "stdlib"]
    return "\n".join([*lines, ")", ""])


def build_lockfile(size: int, real_names: list[str]) -> dict[str, Any]:
    packages: dict[str, Any] = {"": {"name": "bench", "version": "1.0.0", "dependencies": {}}}
    root_deps = packages[""]["dependencies"]
    index = 0
    while len(packages) - 1 < size:
        if index < len(real_names):
            name, version = real_names[index], "0.0.1"
        else:
            name, version = f"filler-package-{index}", f"{index % 7}.{index % 13}.{index % 5}"
        # Every fifth package is nested under the previous top-level one, as npm does for
        # conflicting versions.
        if index % 5 == 4 and index >= len(real_names):
            parent = f"filler-package-{index - 1}"
            packages[f"node_modules/{parent}/node_modules/{name}"] = {"version": version}
            packages.setdefault(f"node_modules/{parent}", {"version": "1.0.0"}).setdefault(
                "dependencies", {}
            )[name] = version
        else:
            packages[f"node_modules/{name}"] = {
                "version": version,
                "resolved": f"https://registry.example/{name}/-/{name}-{version}.tgz",
                "integrity": "sha512-" + "A" * 86 + "==",
            }
            if index % 3 == 0:
                root_deps[name] = f"^{version}"
        index += 1
    return {
        "name": "bench",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": True,
        "packages": packages,
    }


def time_scan(lockfile: Path, data_dir: Path, runs: int) -> list[float]:
    env = {**os.environ, "BASTION_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    # Measure what users get: an installed package whose bytecode is cached. (Some CI
    # images set this, which makes every start recompile every module.)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    bastion = Path(sys.executable).parent / "bastion"
    times = []
    for _ in range(runs + 1):  # first run warms the OS page cache and is discarded
        started = time.perf_counter()
        done = subprocess.run(
            [str(bastion), "scan", str(lockfile), "--format", "json", "--output", os.devnull],
            env=env,
            capture_output=True,
            check=False,
        )
        times.append(time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise SystemExit(done.stderr.decode())
    return times[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("osv", type=Path, help="folder of <Ecosystem>/all.zip dumps")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        engine = make_engine(f"sqlite:///{data_dir / 'bastion.db'}")
        ensure_schema(engine)
        imported = import_path(engine, args.osv)
        engine.dispose()
        print(f"mirror: {imported.written} records")
        names = advisory_package_names(args.osv, "npm")
        for size in args.sizes:
            lockfile = Path(tmp) / f"lock-{size}" / "package-lock.json"
            lockfile.parent.mkdir()
            lockfile.write_text(json.dumps(build_lockfile(size, names), indent=2))
            report(f"package-lock.json, {size} packages", lockfile, data_dir, args.runs)

        gomod = Path(tmp) / "worst-case" / "go.mod"
        gomod.parent.mkdir()
        gomod.write_text(build_gomod(advisory_package_names(args.osv, "Go")))
        report("go.mod, every module vulnerable", gomod, data_dir, args.runs)


def report(label: str, lockfile: Path, data_dir: Path, runs: int) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "bastion"), "scan", str(lockfile), "-f", "json"],
        env={**os.environ, "BASTION_DATA_DIR": str(data_dir)},
        capture_output=True,
        check=False,
    )
    summary = json.loads(result.stdout)
    times = time_scan(lockfile, data_dir, runs)
    print(
        f"{label}: median {statistics.median(times):.3f} s, "
        f"best {min(times):.3f} s, worst {max(times):.3f} s "
        f"({summary['total_deps']} deps, {len(summary['findings'])} findings)"
    )


if __name__ == "__main__":
    main()

"""Latency of ``POST /v1/querybatch`` with 1,000 package queries against `bastion serve`.

    PYTHONPATH=. uv run --frozen python benchmarks/osv_querybatch.py [../shared/osv] [--runs 20]

The npm and PyPI dumps are imported into a fresh SQLite mirror and a real `bastion serve`
(uvicorn, no workers) listens on loopback, where the OSV API needs no token. The batch
is a lockfile in which every package has advisories: each package the mirror names (717
in npm and PyPI), then some again at a second version up to 1,000, each at a version
taken from the records themselves, half at one they call affected (a listed version, an
``introduced`` or ``last_affected`` event), half at a ``fixed`` one or ``99999``. So
every query costs real matching; a real lockfile has far fewer packages with advisories.
One client on a kept-alive connection sends the same batch ``--runs`` times after two
warm-up batches; the figures are client-side wall times of whole requests.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.support.paths import REPO_ROOT

from bastion.advisories.importer import import_path
from bastion.db.engine import ensure_schema, make_engine

ECOSYSTEMS = ("npm", "PyPI")
BATCH = 1000


def package_versions(osv: Path) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    """(ecosystem, name) → (versions the records call affected, versions they call fixed)."""
    found: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for ecosystem in ECOSYSTEMS:
        with zipfile.ZipFile(osv / ecosystem / "all.zip") as archive:
            for member in sorted(archive.namelist()):
                record = json.loads(archive.read(member))
                if record.get("withdrawn"):
                    continue
                for entry in record.get("affected", []):
                    package = entry.get("package", {})
                    if package.get("ecosystem") != ecosystem:
                        continue
                    affected, fixed = found.setdefault((ecosystem, package["name"]), ([], []))
                    affected.extend(entry.get("versions", [])[:3])
                    for rng in entry.get("ranges", []):
                        if rng.get("type") == "GIT":
                            continue
                        for event in rng.get("events", []):
                            for kind, version in event.items():
                                if kind in ("introduced", "last_affected") and version != "0":
                                    affected.append(version)
                                elif kind == "fixed":
                                    fixed.append(version)
    return found


def build_batch(osv: Path, size: int, seed: int) -> list[dict[str, Any]]:
    """Every package named in the mirror once, then again at another version until
    ``size``: half at a version a record calls affected, half at a fixed or later one."""
    rng = random.Random(seed)
    packages = package_versions(osv)
    names = sorted(packages)
    rng.shuffle(names)
    picks = [*names, *rng.sample(names, max(0, size - len(names)))][:size]
    batch: list[dict[str, Any]] = []
    for index, (ecosystem, name) in enumerate(picks):
        affected, fixed = packages[(ecosystem, name)]
        if index % 2 == 0 and affected:
            version = rng.choice(affected)
        else:
            version = rng.choice([*fixed, "99999"])
        batch.append({"package": {"name": name, "ecosystem": ecosystem}, "version": version})
    return batch


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(tmp: Path) -> dict[str, str]:
    """A database in ``tmp`` and a throwaway GitHub App (never contacted: no scans run)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "BASTION_"))}
    # Measure what users get: an installed package whose bytecode is cached.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        {
            "BASTION_DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": f"sqlite:///{tmp / 'bastion.db'}",
            "GITHUB_APP_ID": "1",
            "GITHUB_PRIVATE_KEY": base64.b64encode(pem).decode(),
            "GITHUB_WEBHOOK_SECRET": "benchmark",
            "GITHUB_API_URL": "http://127.0.0.1:9",
        }
    )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "osv", type=Path, nargs="?", default=REPO_ROOT.parent / "shared" / "osv",
        help="folder of <Ecosystem>/all.zip dumps",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        engine = make_engine(f"sqlite:///{tmp / 'bastion.db'}")
        ensure_schema(engine)
        records = sum(import_path(engine, args.osv / e / "all.zip").written for e in ECOSYSTEMS)
        engine.dispose()
        batch = {"queries": build_batch(args.osv, BATCH, args.seed)}
        body = json.dumps(batch).encode()

        port = _free_port()
        log = tmp / "serve.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "bastion", "serve", "--port", str(port), "--no-workers"],
                env=server_env(tmp),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            report(
                f"http://127.0.0.1:{port}",
                body,
                runs=args.runs,
                records=records,
                server=server,
                log=log,
            )
        finally:
            server.terminate()
            server.wait(15)


def report(
    url: str, body: bytes, *, runs: int, records: int, server: subprocess.Popen[bytes], log: Path
) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(log.read_text())
            time.sleep(0.1)

        headers = {"content-type": "application/json"}
        times: list[float] = []  # seconds
        answer: dict[str, Any] = {}
        for run in range(runs + 2):  # two warm-up batches, discarded
            started = time.perf_counter()
            response = client.post("/v1/querybatch", content=body, headers=headers)
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            answer = response.json()
            if run >= 2:
                times.append(elapsed)

    # The server's own view of each request (its access log), without the client's share.
    served = sorted(
        entry["duration_ms"]
        for entry in map(json.loads, log.read_text().splitlines()[-runs:])
        if entry.get("event") == "http.request" and entry.get("path") == "/v1/querybatch"
    )
    results = answer["results"]
    vulnerable = sum(1 for result in results if result.get("vulns"))
    ids = sum(len(result.get("vulns", ())) for result in results)
    print(f"mirror: {records} records (npm + PyPI); batch: {len(results)} queries")
    print(f"answers: {vulnerable} queries with advisories, {ids} advisory ids in all")
    p50 = describe("client", [t * 1000 for t in times])
    describe("server", served)
    print(f"{len(results) / p50 * 1000:,.0f} queries/s at the client's p50")


def describe(label: str, millis: list[float]) -> float:
    millis = sorted(millis)
    p50 = statistics.median(millis)
    p95 = millis[min(len(millis) - 1, round(0.95 * (len(millis) - 1)))]
    print(
        f"{label}, {len(millis)} batches: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"best {millis[0]:.1f} ms, worst {millis[-1]:.1f} ms"
    )
    return p50


if __name__ == "__main__":
    main()

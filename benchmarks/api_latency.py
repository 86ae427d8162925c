"""Latency of `POST /api/scan` under a steady load against a real `bastion serve`.

    PYTHONPATH=. uv run python benchmarks/api_latency.py [--rate 100] [--seconds 10] [--no-workers]
        [--postgres] [--warmup 3]

Starts the GitHub stand-in of the test suite on loopback, a `bastion serve` on a fresh
SQLite (or, with --postgres, PostgreSQL) database with BASTION_SCAN_WAIT=0 (every answer
is a 202), then sends requests at
a fixed rate (open loop: a slow answer does not delay the next request) and reports the
percentiles of the 202 answers. The per-installation limit is raised (BASTION_SCAN_RATE_LIMIT)
so SPEC §2's 60/hour is not what is measured. Every request costs the server token
authentication, a rate-limit write, two GitHub calls (installation check and ref
resolution) and the scan lookup or insert. Without workers every request reuses the one
queued scan of the commit; with workers, finished scans are replaced by new ones that
compete for the same cores. Needs PYTHONPATH=. for the stand-in in tests/support.

The first ``--warmup`` seconds run at the same rate but are reported apart ("cold"): they
include the server's first requests (first GitHub calls, the stand-in building its
repository, first SQL compilations), which a long-running server pays once.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import create_engine, text
from tests.support import github_standin
from tests.support.github_standin import APP_ID, GitHubStandin, running_standin
from tests.support.paths import shared_dir
from tests.support.postgres import running_postgres

INSTALLATION = 1001


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


Result = tuple[float, int, float]  # (sent at, status, latency)


async def _load(url: str, token: str, rate: float, seconds: float) -> list[Result]:
    results: list[Result] = []
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(
        base_url=url, headers={"api-token": token}, timeout=30, limits=limits
    ) as client:

        async def one(index: int) -> None:
            body = {
                "installation_id": INSTALLATION,
                "owner": "acme",
                "repo": "npm-app",
                "ref": "main",
            }
            started = time.perf_counter()
            try:
                response = await client.post("/api/scan", json=body)
            except httpx.TransportError:
                # An overloaded server drops connections; count it instead of aborting.
                results.append((started, 0, time.perf_counter() - started))
                return
            results.append((started, response.status_code, time.perf_counter() - started))

        tasks = []
        start = time.perf_counter()
        for index in range(int(rate * seconds)):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(index)))
        await asyncio.gather(*tasks)
    return results


def _finished_scans(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            count = conn.execute(
                text("SELECT count(*) FROM scan_reports WHERE status = 'done'")
            ).scalar_one()
    finally:
        engine.dispose()
    return int(count)


def _database_url(stack: ExitStack, tmp: Path, postgres: bool) -> str:
    if not postgres:
        return f"sqlite:///{tmp / 'bastion.db'}"
    server = stack.enter_context(running_postgres())
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE bench"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-workers", action="store_true")
    parser.add_argument("--postgres", action="store_true", help="A throwaway PostgreSQL.")
    parser.add_argument("--server-log", type=Path, help="Keep the server's JSON log here.")
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="Seconds at the start reported apart."
    )
    args = parser.parse_args()
    # The stand-in checks every exchange against GitHub's OpenAPI description, which costs
    # more CPU than bastion's own handling; that check belongs to the tests, not here.
    github_standin.openapi_violations = lambda *_args, **_kwargs: []
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    standin = GitHubStandin(APP_ID, key.public_key())
    fixtures = shared_dir() / "fixtures"
    standin.add_installation(INSTALLATION, "acme")
    standin.add_repo("acme", "npm-app", fixtures / "npm-app")
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with tempfile.TemporaryDirectory() as tmp, running_standin(standin), ExitStack() as stack:
        database_url = _database_url(stack, Path(tmp), args.postgres)
        env = {
            **os.environ,
            "BASTION_DATA_DIR": tmp,
            "DATABASE_URL": database_url,
            "GITHUB_APP_ID": str(APP_ID),
            "GITHUB_PRIVATE_KEY": base64.b64encode(pem).decode(),
            "GITHUB_WEBHOOK_SECRET": "benchmark",
            "GITHUB_API_URL": standin.url,
            "BASTION_SCAN_WAIT": "0",
            "BASTION_SCAN_RATE_LIMIT": "1000000",
            "BASTION_SERVE_WORKERS": "false" if args.no_workers else "true",
        }
        bastion = [sys.executable, "-m", "bastion"]
        subprocess.run(
            [*bastion, "advisories", "import", str(shared_dir() / "osv" / "npm" / "all.zip")],
            env=env,
            check=True,
            capture_output=True,
        )
        token = subprocess.run(
            [*bastion, "tokens", "create", "bench"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        port = _free_port()
        log = args.server_log.open("wb") if args.server_log else None
        server = subprocess.Popen(
            [*bastion, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log or subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{url}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            load_started = time.perf_counter()
            results = asyncio.run(_load(url, token, args.rate, args.warmup + args.seconds))
            elapsed = time.perf_counter() - load_started
        finally:
            server.terminate()
            server.wait(30)
            if log is not None:
                log.close()
        done = _finished_scans(database_url)
    print(f"scans finished by the embedded workers: {done} ({done / elapsed * 60:.0f}/min)")
    database = "PostgreSQL" if args.postgres else "SQLite"
    workers = not args.no_workers
    print(f"requests: {len(results)} at {args.rate:g}/s, workers: {workers}, {database}")
    steady_from = load_started + args.warmup
    _report("cold", [r for r in results if r[0] < steady_from])
    _report("steady", [r for r in results if r[0] >= steady_from])


def _report(label: str, results: list[Result]) -> None:
    accepted = sorted(latency for _, status, latency in results if status == 202)
    others = [status for _, status, _ in results if status != 202]
    print(f"{label}: 202 answers: {len(accepted)}, others: {sorted(set(others))} x{len(others)}")
    if len(accepted) >= 2:
        quantiles = statistics.quantiles(accepted, n=100)
        print(
            f"{label}: p50 {quantiles[49] * 1000:.1f} ms  p99 {quantiles[98] * 1000:.1f} ms  "
            f"max {accepted[-1] * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()

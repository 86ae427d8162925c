"""Completed scans per minute of the npm fixture repository, end to end.

    PYTHONPATH=. uv run python benchmarks/scan_throughput.py --backend embedded
    PYTHONPATH=. uv run python benchmarks/scan_throughput.py --backend celery --workers 2
    (add --postgres to use a throwaway PostgreSQL cluster instead of SQLite)

Starts the GitHub stand-in of the test suite with N copies of ../shared/fixtures/npm-app
(distinct repositories, so no request reuses another's scan), then either `bastion serve`
with its embedded workers, or `bastion serve --no-workers` beside a throwaway
`redis-server` and W `bastion worker` processes on Celery. Posts N scans at once through
the HTTP API (BASTION_SCAN_WAIT=0) and waits until every report is done. Each scan
downloads the repository's tarball from the stand-in, extracts it, parses the lockfile,
matches the npm advisories and stores the report. SPEC §2's limit of 5 running scans per
installation stays in force; the hourly request limit is raised. Everything shares the
machine's 2 cores. Needs PYTHONPATH=. for the helpers in tests/support.
"""

from __future__ import annotations

import argparse
import base64
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import create_engine, text
from tests.support import github_standin
from tests.support.github_standin import APP_ID, GitHubStandin, running_standin
from tests.support.paths import shared_dir
from tests.support.postgres import running_postgres
from tests.support.redis import running_redis

INSTALLATION = 1001
BASTION = [sys.executable, "-m", "bastion"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _process(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _database_url(stack: ExitStack, tmp: Path, postgres: bool) -> str:
    if not postgres:
        return f"sqlite:///{tmp / 'bastion.db'}"
    server = stack.enter_context(running_postgres())
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE bench"))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/bench"


def _done(database_url: str) -> tuple[int, list[int]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT duration_ms FROM scan_reports WHERE status = 'done'")
            ).all()
    finally:
        engine.dispose()
    return len(rows), [int(row[0] or 0) for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("embedded", "celery"), default="embedded")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes.")
    parser.add_argument("--threads", type=int, default=2, help="Job threads per process.")
    parser.add_argument("--scans", type=int, default=60)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    # The stand-in checks every exchange against GitHub's OpenAPI description; that check
    # belongs to the tests, not to a measurement of bastion.
    github_standin.openapi_violations = lambda *_args, **_kwargs: []
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    standin = GitHubStandin(APP_ID, key.public_key())
    standin.add_installation(INSTALLATION, "acme")
    fixture = shared_dir() / "fixtures" / "npm-app"
    repos = [f"npm-app-{n}" for n in range(args.scans)]
    for repo in repos:
        standin.add_repo("acme", repo, fixture)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with tempfile.TemporaryDirectory() as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        stack.enter_context(running_standin(standin))
        database_url = _database_url(stack, tmp, args.postgres)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BASTION_", "GITHUB_"))},
            "BASTION_DATA_DIR": str(tmp),
            "DATABASE_URL": database_url,
            "GITHUB_APP_ID": str(APP_ID),
            "GITHUB_PRIVATE_KEY": base64.b64encode(pem).decode(),
            "GITHUB_WEBHOOK_SECRET": "benchmark",
            "GITHUB_API_URL": standin.url,
            "BASTION_SCAN_WAIT": "0",
            "BASTION_SCAN_RATE_LIMIT": "1000000",
            "BASTION_WORKERS": str(args.threads),
        }
        npm = shared_dir() / "osv" / "npm" / "all.zip"
        subprocess.run([*BASTION, "advisories", "import", str(npm)], env=env, check=True,
                       capture_output=True)  # fmt: skip
        token = subprocess.run(
            [*BASTION, "tokens", "create", "bench"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        serve = [*BASTION, "serve", "--port", str(port := _free_port())]
        if args.backend == "celery":
            env["BASTION_QUEUE"] = "celery"
            env["REDIS_URL"] = stack.enter_context(running_redis(tmp))
            serve.append("--no-workers")
            for _ in range(args.workers):
                stack.enter_context(_process([*BASTION, "worker"], env))
        stack.enter_context(_process(serve, env))
        url = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        started = time.perf_counter()
        with httpx.Client(base_url=url, headers={"api-token": token}, timeout=30) as client:
            for repo in repos:
                body = {"installation_id": INSTALLATION, "owner": "acme", "repo": repo}
                answer = client.post("/api/scan", json={**body, "ref": "main"})
                assert answer.status_code == 202, answer.text
        posted = time.perf_counter() - started
        while (count := _done(database_url)[0]) < args.scans:
            assert time.perf_counter() - started < 600, f"only {count} scans done"
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        durations = _done(database_url)[1]
    layout = (
        f"celery, {args.workers} worker processes x {args.threads} threads"
        if args.backend == "celery"
        else f"embedded, {args.threads} threads"
    )
    print(f"{layout}, {'PostgreSQL' if args.postgres else 'SQLite'}")
    print(f"{args.scans} scans posted in {posted:.1f} s, all done after {elapsed:.1f} s")
    print(f"completed scans per minute: {args.scans / elapsed * 60:.0f}")
    print(f"scan duration (job): median {statistics.median(durations):.0f} ms")


if __name__ == "__main__":
    main()

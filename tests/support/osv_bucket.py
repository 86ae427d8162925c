"""A real HTTP server on loopback laid out like osv.dev's export bucket (SPEC §6)."""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import shared_dir


@dataclass
class OsvBucket:
    root: Path
    url: str
    requests: list[str] = field(default_factory=list)
    # Paths answered with this status instead of the file (simulated outages).
    failures: dict[str, int] = field(default_factory=dict)

    def publish(self, ecosystem: str, record_json: str, record_id: str, modified: str) -> None:
        """Add or update one record the way osv.dev does: JSON file, zip member, CSV line."""
        folder = self.root / ecosystem
        (folder / f"{record_id}.json").write_text(record_json)
        zip_path = folder / "all.zip"
        members: dict[str, bytes] = {}
        with zipfile.ZipFile(zip_path) as archive:
            for name in archive.namelist():
                members[name] = archive.read(name)
        members[f"{record_id}.json"] = record_json.encode()
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(members):
                archive.writestr(name, members[name])
        csv = folder / "modified_id.csv"
        lines = [ln for ln in csv.read_text().splitlines() if not ln.endswith(f",{record_id}")]
        csv.write_text("\n".join([f"{modified},{record_id}", *lines]) + "\n")


def build_bucket(target: Path, ecosystems: tuple[str, ...]) -> None:
    """Copy the shared dumps and unpack each member as <Ecosystem>/<ID>.json."""
    source = shared_dir() / "osv"
    for ecosystem in ecosystems:
        folder = target / ecosystem
        folder.mkdir(parents=True)
        (folder / "all.zip").write_bytes((source / ecosystem / "all.zip").read_bytes())
        (folder / "modified_id.csv").write_bytes(
            (source / ecosystem / "modified_id.csv").read_bytes()
        )
        with zipfile.ZipFile(source / ecosystem / "all.zip") as archive:
            archive.extractall(folder)


@pytest.fixture
def osv_bucket(tmp_path: Path) -> Iterator[OsvBucket]:
    root = tmp_path / "bucket"
    build_bucket(root, ("npm", "Maven", "RubyGems", "crates.io"))
    bucket = OsvBucket(root, "")

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self) -> None:
            bucket.requests.append(self.path)
            status = bucket.failures.get(self.path)
            if status is not None:
                self.send_error(status)
                return
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    bucket.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield bucket
    server.shutdown()
    server.server_close()

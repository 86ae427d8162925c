"""Loading OSV records into the mirror from zips, folders and single files.

Every import runs in one transaction: it lands whole or not at all. A record replaces the
stored one only when its ``modified`` is newer, so re-importing is idempotent.
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, delete, insert, select, update

from bastion.advisories.osv import InvalidRecord, ParsedRecord, format_timestamp, parse_record
from bastion.db.tables import Advisory, Affected, SyncState
from bastion.models import ScanIssue

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
# SQLite caps bound parameters per statement (32766 since 3.32, 999 before).
_IN_CHUNK = 900

Progress = Callable[[int], None]
T = TypeVar("T")


@dataclass
class ImportReport:
    read: int = 0
    written: int = 0
    unchanged: int = 0
    problems: list[ScanIssue] = field(default_factory=list)
    ecosystems: Counter[str] = field(default_factory=Counter)

    def merge(self, other: ImportReport) -> None:
        self.read += other.read
        self.written += other.written
        self.unchanged += other.unchanged
        self.problems.extend(other.problems)
        self.ecosystems.update(other.ecosystems)


@dataclass(frozen=True, slots=True)
class RawRecord:
    origin: str  # "Go/all.zip:GO-2020-0001.json", for error messages
    data: bytes


def now_utc() -> str:
    return format_timestamp(datetime.now(UTC))


def iter_zip(
    path: Path, problems: list[ScanIssue], label: str | None = None
) -> Iterator[RawRecord]:
    label = label or str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        problems.append(ScanIssue(label, f"not a readable zip archive: {exc}"))
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.endswith(".json"):
                continue
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
                problems.append(ScanIssue(f"{label}:{info.filename}", f"unreadable member: {exc}"))
                continue
            yield RawRecord(f"{label}:{info.filename}", data)


def iter_path(path: Path, problems: list[ScanIssue]) -> Iterator[RawRecord]:
    """Records under ``path``: an all.zip, a folder of ``<Ecosystem>/all.zip``, or JSON files."""
    if path.is_file():
        if path.suffix == ".zip":
            yield from iter_zip(path, problems)
        else:
            yield from _read_json_file(path, problems, path.name)
        return
    if not path.is_dir():
        problems.append(ScanIssue(str(path), "no such file or directory"))
        return
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix()
        if file.suffix == ".zip":
            yield from iter_zip(file, problems, rel)
        elif file.suffix == ".json":
            yield from _read_json_file(file, problems, rel)


def _read_json_file(path: Path, problems: list[ScanIssue], label: str) -> Iterator[RawRecord]:
    try:
        yield RawRecord(label, path.read_bytes())
    except OSError as exc:
        problems.append(ScanIssue(label, f"unreadable: {exc.strerror or exc}"))


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class MirrorWriter:
    """Writes parsed records into an open transaction, newest ``modified`` winning."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def write(self, records: Iterable[ParsedRecord], report: ImportReport) -> None:
        newest: dict[str, ParsedRecord] = {}
        for record in records:
            seen = newest.get(record.id)
            if seen is None or record.modified > seen.modified:
                newest[record.id] = record
        if not newest:
            return

        stored: dict[str, str] = {}
        for chunk in _chunks(list(newest), _IN_CHUNK):
            rows = self.conn.execute(
                select(Advisory.id, Advisory.modified).where(Advisory.id.in_(chunk))
            )
            stored.update({row.id: row.modified for row in rows})

        to_write = [r for r in newest.values() if r.id not in stored or r.modified > stored[r.id]]
        report.unchanged += len(newest) - len(to_write)
        replaced = [r.id for r in to_write if r.id in stored]
        for chunk in _chunks(replaced, _IN_CHUNK):
            self.conn.execute(delete(Affected).where(Affected.advisory_id.in_(chunk)))
            self.conn.execute(delete(Advisory).where(Advisory.id.in_(chunk)))
        if not to_write:
            return

        self.conn.execute(
            insert(Advisory),
            [
                {
                    "id": r.id,
                    "modified": r.modified,
                    "published": r.published,
                    "withdrawn": r.withdrawn,
                    "summary": r.summary,
                    "details": r.details,
                    "aliases": _json_list(r.aliases),
                    "severity": r.severity.value,
                    "cvss_score": r.cvss_score,
                    "cvss_vector": r.cvss_vector,
                    "url": r.url,
                    "informational": r.informational,
                    "record": r.record,
                }
                for r in to_write
            ],
        )
        affected_rows = [
            {"advisory_id": r.id, "ecosystem": a.ecosystem, "name": a.name, "data": a.data}
            for r in to_write
            for a in r.affected
        ]
        if affected_rows:
            self.conn.execute(insert(Affected), affected_rows)
        report.written += len(to_write)
        for r in to_write:
            report.ecosystems.update({a.ecosystem for a in r.affected})


def _json_list(values: tuple[str, ...]) -> str:
    return json.dumps(list(values))


def load_records(
    conn: Connection,
    raw_records: Iterable[RawRecord],
    report: ImportReport,
    progress: Progress | None = None,
) -> None:
    """Parse and write records in batches; invalid ones become problems, not failures."""
    writer = MirrorWriter(conn)
    batch: list[ParsedRecord] = []
    for raw in raw_records:
        report.read += 1
        try:
            batch.append(parse_record(raw.data))
        except InvalidRecord as exc:
            report.problems.append(ScanIssue(raw.origin, f"not a valid OSV record: {exc}"))
        if len(batch) >= BATCH_SIZE:
            writer.write(batch, report)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        writer.write(batch, report)
        if progress:
            progress(len(batch))


def mark_imported(conn: Connection, ecosystems: Iterable[str], source: str) -> None:
    stamp = now_utc()
    for ecosystem in ecosystems:
        updated = conn.execute(
            update(SyncState)
            .where(SyncState.ecosystem == ecosystem)
            .values(imported_at=stamp, source=source)
        )
        if updated.rowcount == 0:
            conn.execute(
                insert(SyncState).values(ecosystem=ecosystem, imported_at=stamp, source=source)
            )


def import_path(engine: Engine, path: Path, progress: Progress | None = None) -> ImportReport:
    report = ImportReport()
    with engine.begin() as conn:
        load_records(conn, iter_path(path, report.problems), report, progress)
        mark_imported(conn, report.ecosystems, f"import {path.name}")
    log.info(
        "imported %d of %d records from %s (%d unchanged, %d problems)",
        report.written,
        report.read,
        path,
        report.unchanged,
        len(report.problems),
    )
    return report

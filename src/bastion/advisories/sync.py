"""Keeping the mirror current from osv.dev's per-ecosystem exports (SPEC §6).

Layout under the base URL: ``<Ecosystem>/all.zip``, ``<Ecosystem>/modified_id.csv``
(``<modified>,<ID>`` newest first) and ``<Ecosystem>/<ID>.json``. The first sync of an
ecosystem downloads ``all.zip``; later ones read ``modified_id.csv`` down to the newest
timestamp already seen and fetch only those records.

Everything is downloaded before anything is written, and all writes share one
transaction, so a sync that fails half-way leaves the previous data exactly as it was.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import httpx
from sqlalchemy import Engine, insert, select, update

from bastion.advisories.errors import SyncError
from bastion.advisories.importer import ImportReport, RawRecord, iter_zip, load_records, now_utc
from bastion.advisories.osv import InvalidRecord, normalize_timestamp
from bastion.db.tables import SyncState
from bastion.ecosystems import Ecosystem
from bastion.models import ScanIssue

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://osv-vulnerabilities.storage.googleapis.com"

# Ecosystems synced when none are named and none were synced before. Debian and Alpine
# dumps are large and only matter once OS packages are scanned, so they are opt-in.
DEFAULT_ECOSYSTEMS: tuple[str, ...] = tuple(
    e.value for e in Ecosystem if e not in (Ecosystem.DEBIAN, Ecosystem.ALPINE)
)

# Past this many changed records one all.zip is cheaper than many small requests.
FULL_DOWNLOAD_THRESHOLD = 1000
_CHUNK = 1 << 16


class SyncProgress(Protocol):
    def start(self, description: str, total: int | None) -> None: ...

    def advance(self, amount: int) -> None: ...


class _Silent:
    def start(self, description: str, total: int | None) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


@dataclass
class EcosystemPlan:
    ecosystem: str
    newest: str | None = None  # normalised newest timestamp in modified_id.csv
    zip_path: Path | None = None
    records: list[RawRecord] = field(default_factory=list)
    changed: int = 0


@dataclass
class SyncReport:
    imported: ImportReport = field(default_factory=ImportReport)
    full: list[str] = field(default_factory=list)
    incremental: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CsvLine:
    modified: str
    id: str


def parse_modified_csv(text: str, source: str) -> Iterator[CsvLine]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        stamp, sep, vuln_id = line.partition(",")
        if not sep or not vuln_id.strip():
            raise SyncError(f"{source}:{number}: expected '<modified>,<ID>', got {line[:80]!r}")
        try:
            yield CsvLine(normalize_timestamp(stamp), vuln_id.strip())
        except InvalidRecord as exc:
            raise SyncError(f"{source}:{number}: {exc}") from exc


class Syncer:
    def __init__(
        self,
        engine: Engine,
        client: httpx.Client,
        base_url: str = DEFAULT_BASE_URL,
        progress: SyncProgress | None = None,
        full_threshold: int = FULL_DOWNLOAD_THRESHOLD,
    ) -> None:
        self.engine = engine
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.progress = progress or _Silent()
        self.full_threshold = full_threshold

    def _url(self, ecosystem: str, name: str) -> str:
        return f"{self.base_url}/{quote(ecosystem)}/{quote(name)}"

    def _get(self, url: str) -> httpx.Response:
        try:
            response = self.client.get(url)
        except httpx.HTTPError as exc:
            raise SyncError(f"{url}: {exc}") from exc
        return response

    def _known_state(self) -> dict[str, str | None]:
        with self.engine.connect() as conn:
            return {
                row.ecosystem: row.last_modified
                for row in conn.execute(select(SyncState.ecosystem, SyncState.last_modified))
            }

    def default_ecosystems(self) -> list[str]:
        synced = [eco for eco, last in self._known_state().items() if last is not None]
        return sorted(synced) if synced else list(DEFAULT_ECOSYSTEMS)

    def sync(self, ecosystems: Sequence[str] | None = None) -> SyncReport:
        names = list(ecosystems) if ecosystems else self.default_ecosystems()
        state = self._known_state()
        report = SyncReport()
        with tempfile.TemporaryDirectory(prefix="bastion-sync-") as tmp:
            plans = [
                plan
                for name in names
                if (plan := self._plan(name, state.get(name), Path(tmp), report)) is not None
            ]
            self._apply(plans, report)
        return report

    def _plan(
        self, ecosystem: str, last: str | None, tmp: Path, report: SyncReport
    ) -> EcosystemPlan | None:
        csv_url = self._url(ecosystem, "modified_id.csv")
        response = self._get(csv_url)
        if response.status_code == 404:
            log.warning("no OSV export for ecosystem %s at %s", ecosystem, csv_url)
            report.skipped.append(ecosystem)
            return None
        if response.status_code != 200:
            raise SyncError(f"{csv_url}: HTTP {response.status_code}")
        lines = list(parse_modified_csv(response.text, csv_url))
        plan = EcosystemPlan(ecosystem, newest=max((line.modified for line in lines), default=last))

        changed = lines if last is None else [line for line in lines if line.modified > last]
        plan.changed = len(changed)
        if last is None or len(changed) > self.full_threshold:
            plan.zip_path = self._download_zip(ecosystem, tmp)
            report.full.append(ecosystem)
        else:
            self.progress.start(f"{ecosystem}: {len(changed)} changed records", len(changed))
            for line in changed:
                url = self._url(ecosystem, f"{line.id}.json")
                record = self._get(url)
                if record.status_code != 200:
                    raise SyncError(f"{url}: HTTP {record.status_code}")
                plan.records.append(RawRecord(url, record.content))
                self.progress.advance(1)
            report.incremental[ecosystem] = len(changed)
        return plan

    def _download_zip(self, ecosystem: str, tmp: Path) -> Path:
        url = self._url(ecosystem, "all.zip")
        target = tmp / f"{quote(ecosystem, safe='')}.zip"
        try:
            with self.client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise SyncError(f"{url}: HTTP {response.status_code}")
                length = response.headers.get("content-length")
                self.progress.start(f"{ecosystem}: all.zip", int(length) if length else None)
                with target.open("wb") as out:
                    for chunk in response.iter_bytes(_CHUNK):
                        out.write(chunk)
                        self.progress.advance(len(chunk))
        except httpx.HTTPError as exc:
            raise SyncError(f"{url}: {exc}") from exc
        return target

    def _apply(self, plans: Sequence[EcosystemPlan], report: SyncReport) -> None:
        stamp = now_utc()
        with self.engine.begin() as conn:
            for plan in plans:
                problems: list[ScanIssue] = []
                if plan.zip_path is not None:
                    raw = list(iter_zip(plan.zip_path, problems, f"{plan.ecosystem}/all.zip"))
                    if problems and not raw:
                        raise SyncError(f"{plan.ecosystem}/all.zip: {problems[0].message}")
                else:
                    raw = plan.records
                report.imported.problems.extend(problems)
                self.progress.start(f"{plan.ecosystem}: importing", len(raw))
                load_records(conn, raw, report.imported, self.progress.advance)
                values = {"last_modified": plan.newest, "synced_at": stamp, "source": self.base_url}
                updated = conn.execute(
                    update(SyncState).where(SyncState.ecosystem == plan.ecosystem).values(**values)
                )
                if updated.rowcount == 0:
                    conn.execute(insert(SyncState).values(ecosystem=plan.ecosystem, **values))

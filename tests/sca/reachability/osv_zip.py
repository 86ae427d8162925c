"""An advisory source over one of ../shared/osv's zips, held in memory: end-to-end scans
without importing a database first."""

from __future__ import annotations

import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bastion.advisories.store import AdvisoryInfo, AffectedEntry
from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.models import Severity


class ZipAdvisories:
    def __init__(self, *zips: tuple[Path, Ecosystem]) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.by_name: dict[tuple[Ecosystem, str], list[AffectedEntry]] = defaultdict(list)
        for path, ecosystem in zips:
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    record = json.loads(archive.read(member))
                    if not record.get("withdrawn"):
                        self._add(record, ecosystem)

    def _add(self, record: dict[str, Any], ecosystem: Ecosystem) -> None:
        self.records[record["id"]] = record
        for entry in record.get("affected", ()):
            package = entry.get("package", {})
            if package.get("ecosystem") == ecosystem.value:
                name = normalize_package_name(ecosystem, package["name"])
                self.by_name[ecosystem, name].append(AffectedEntry(record["id"], name, entry))

    def record_count(self) -> int:
        return len(self.records)

    def affected_entries(
        self, ecosystem: Ecosystem, names: Iterable[str]
    ) -> dict[str, list[AffectedEntry]]:
        return {
            name: self.by_name[ecosystem, name]
            for name in names
            if (ecosystem, name) in self.by_name
        }

    def advisories(self, ids: Iterable[str]) -> dict[str, AdvisoryInfo]:
        found: dict[str, AdvisoryInfo] = {}
        for advisory_id in ids:
            record = self.records.get(advisory_id)
            if record is not None:
                found[advisory_id] = AdvisoryInfo(
                    id=advisory_id,
                    aliases=tuple(record.get("aliases", ())),
                    summary=record.get("summary", ""),
                    details=record.get("details", ""),
                    severity=Severity.UNKNOWN,
                    cvss_score=None,
                    cvss_vector=None,
                    url="",
                    informational=None,
                    published=record.get("published"),
                    modified=record.get("modified", ""),
                )
        return found

"""`bastion scan`: extract dependencies, match advisories, decide the verdict."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bastion.advisories.store import AdvisorySource
from bastion.models import ScanResult
from bastion.sca.matcher import find_vulnerabilities
from bastion.sca.verdict import BlockOn, conclude
from bastion.sca.walker import collect

NO_ADVISORIES_NOTE = (
    "No advisories are loaded, so nothing could be matched. Load them with "
    "`bastion advisories sync` (online) or `bastion advisories import PATH` (offline)."
)
NOT_ANALYZED_NOTE = (
    "Import analysis did not run: every finding is treated as imported (the cautious choice)."
)


def scan_path(
    target: Path,
    source: AdvisorySource,
    *,
    exclude: Sequence[str] = (),
    block_on: BlockOn = BlockOn.IMPORTED,
) -> ScanResult:
    started = time.perf_counter()
    scanned_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    dependencies, errors = collect(target, exclude)

    loaded = source.record_count()
    notes: list[str] = []
    findings = find_vulnerabilities(dependencies, source) if loaded else []
    if not loaded:
        notes.append(NO_ADVISORIES_NOTE)
    if any(f.reachability == "not_analyzed" for f in findings):
        notes.append(NOT_ANALYZED_NOTE)
    findings.sort(
        key=lambda f: (
            -f.vulnerability.severity.rank,
            f.dependency.name.lower(),
            f.dependency.version or "",
            f.vulnerability.id,
        )
    )
    return ScanResult(
        findings=tuple(findings),
        dependencies=tuple(dependencies),
        ecosystems=tuple(sorted({d.ecosystem.value for d in dependencies})),
        scanned_at=scanned_at,
        duration_ms=round((time.perf_counter() - started) * 1000),
        conclusion=conclude(findings, len(dependencies), block_on),
        errors=tuple(errors),
        advisories_loaded=loaded,
        target=str(target),
        notes=tuple(notes),
    )

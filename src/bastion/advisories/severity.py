"""Severity of an OSV record: CVSS base score when a vector is given, else the database's
own label, else UNKNOWN (SPEC §1). Scores come from the `cvss` library, not our own maths.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from bastion.models import Severity

# When a record carries several vectors the newest CVSS version is the one its database
# considers authoritative.
_PREFERENCE = {"CVSS_V4": 3, "CVSS_V3": 2, "CVSS_V2": 1}

_LABELS = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,  # GitHub's word for medium
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}


@lru_cache(maxsize=4096)
def cvss_base_score(kind: str, vector: str) -> float | None:
    try:
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        if kind == "CVSS_V3":
            return float(CVSS3(vector).base_score)
        if kind == "CVSS_V2":
            return float(CVSS2(vector).base_score)
    except (CVSSError, ValueError, KeyError, IndexError):
        return None
    return None


def _vectors(record: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    sources: list[Any] = [record.get("severity")]
    for entry in record.get("affected") or []:
        if isinstance(entry, dict):
            sources.append(entry.get("severity"))
    for source in sources:
        if not isinstance(source, list):
            continue
        for item in source:
            if isinstance(item, dict):
                kind, score = item.get("type"), item.get("score")
                if isinstance(kind, str) and isinstance(score, str) and kind in _PREFERENCE:
                    found.append((kind, score))
    return found


def score_record(record: dict[str, Any]) -> tuple[float | None, str | None, Severity]:
    """(base score, vector, severity) for an OSV record."""
    best: tuple[int, float, str] | None = None
    for kind, vector in _vectors(record):
        score = cvss_base_score(kind, vector)
        if score is None:
            continue
        candidate = (_PREFERENCE[kind], score, vector)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    if best is not None:
        return best[1], best[2], Severity.from_score(best[1])

    database_specific = record.get("database_specific")
    if isinstance(database_specific, dict):
        label = database_specific.get("severity")
        if isinstance(label, str) and label.upper() in _LABELS:
            return None, None, _LABELS[label.upper()]
    return None, None, Severity.UNKNOWN

"""One finding per (rule, endpoint, parameter), whichever task found it first.

Active rules run concurrently over many inputs that share endpoints (``/item?id=1`` and
``/item?id=2&sort=a``): both may prove the same flaw, and the report must say it once.
Findings on different endpoints are never merged, even when everything else matches.
"""

from __future__ import annotations

from collections.abc import Iterable

from bastion.dast.model import Confidence, DastFinding

_CONFIDENCE_RANK = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}


def finding_strength(finding: DastFinding) -> tuple[int, int]:
    return (finding.severity.rank, _CONFIDENCE_RANK[finding.confidence])


class FindingSet:
    """Findings keyed by ``DastFinding.dedup_key``; a later finding replaces an earlier
    one only when it is more severe or more certain (a confirmed variant of a weak
    signal is the one worth reporting)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str, str | None], DastFinding] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def add(self, finding: DastFinding) -> bool:
        """Keep ``finding`` unless an equal or stronger one has the same key; return
        whether it was kept."""
        key = finding.dedup_key
        known = self._by_key.get(key)
        if known is not None and finding_strength(finding) <= finding_strength(known):
            return False
        self._by_key[key] = finding
        return True

    def extend(self, findings: Iterable[DastFinding]) -> None:
        for finding in findings:
            self.add(finding)

    def findings(self) -> list[DastFinding]:
        return list(self._by_key.values())


def sort_findings(findings: Iterable[DastFinding]) -> list[DastFinding]:
    """Worst and surest first, then by rule and URL, so a report reads the same every run."""
    return sorted(
        findings,
        key=lambda f: (
            -f.severity.rank,
            -_CONFIDENCE_RANK[f.confidence],
            f.rule_id,
            f.url,
            f.parameter or "",
        ),
    )

"""From findings to a conclusion (SPEC §1): which findings block, and the overall verdict."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import assert_never

from bastion.models import Conclusion, Finding, Severity


class BlockOn(StrEnum):
    IMPORTED = "imported"
    ALL = "all"
    CRITICAL_ONLY = "critical_only"


def blocks(finding: Finding, block_on: BlockOn) -> bool:
    # Informational notices (unmaintained, unsound) are worth seeing, not worth a red build.
    if finding.vulnerability.informational:
        return False
    match block_on:
        case BlockOn.IMPORTED:
            return finding.is_imported
        case BlockOn.ALL:
            return True
        case BlockOn.CRITICAL_ONLY:
            return finding.vulnerability.severity is Severity.CRITICAL
        case _:
            assert_never(block_on)


def conclude(
    findings: Sequence[Finding], total_deps: int, block_on: BlockOn, complete: bool = True
) -> Conclusion:
    if any(blocks(f, block_on) for f in findings):
        return Conclusion.FAILURE
    if findings or total_deps == 0 or not complete:
        return Conclusion.NEUTRAL
    return Conclusion.SUCCESS

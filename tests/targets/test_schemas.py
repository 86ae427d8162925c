"""The API's literal types stay in step with the stored enums."""

from __future__ import annotations

from typing import get_args

from bastion.db.models.dast import DastScanStatus, TargetType
from bastion.targets.schemas import ApiScanStatus, ApiTargetType


def test_api_literals_match_the_stored_values() -> None:
    assert set(get_args(ApiScanStatus)) == {s.value for s in DastScanStatus}
    assert set(get_args(ApiTargetType)) == {t.value for t in TargetType}

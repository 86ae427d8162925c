"""Helpers shared by the OSV API tests."""

from __future__ import annotations

import re
from typing import Any

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$")


def pkg(name: str, ecosystem: str = "PyPI", version: str | None = None) -> dict[str, Any]:
    query: dict[str, Any] = {"package": {"name": name, "ecosystem": ecosystem}}
    if version is not None:
        query["version"] = version
    return query


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [vuln["id"] for vuln in response.json().get("vulns", [])]


def assert_osv_error(response: Any, status: int, code: int, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message"}, body
    assert body["code"] == code
    if message is not None:
        assert body["message"] == message

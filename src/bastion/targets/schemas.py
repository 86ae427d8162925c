"""The JSON of ``/dast/targets``: camelCase fields, timestamps in ISO 8601.

Responses are built from stored rows only; authentication header values never appear in
any of them (only the names do).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

# Literals rather than the ORM enums so OpenAPI lists the values; a test keeps them equal.
ApiScanStatus = Literal["queued", "running", "completed", "failed", "cancelled"]
ApiTargetType = Literal["webapp", "api"]


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class TargetCreate(_Camel):
    """``POST /dast/targets``. ``openapiDefinition`` is the document itself (a JSON
    object, or JSON or YAML text); ``openapiUrl`` where the scan fetches it instead;
    ``authHeaders`` are sent with every request of the scan and stored encrypted."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    url: Annotated[str, Field(strict=True, description="Absolute http(s) URL of the target")]
    type: ApiTargetType = "webapp"
    openapi_definition: Annotated[
        dict[str, Any] | str | None, Field(description="api targets: the OpenAPI document")
    ] = None
    openapi_url: Annotated[
        str | None, Field(strict=True, description="api targets: the definition's URL")
    ] = None
    auth_headers: Annotated[
        dict[str, Annotated[str, Field(strict=True)]],
        Field(description="Header name to value; only the names are ever shown again"),
    ] = Field(default_factory=dict)


class AccountOut(_Camel):
    id: uuid.UUID
    name: str
    email: str | None


class TargetOut(_Camel):
    id: uuid.UUID
    url: str
    type: ApiTargetType
    created_at: datetime
    created_by: AccountOut | None = Field(description="null once the account is deleted")
    auth_headers: list[str] = Field(description="Names of the authentication headers")
    has_openapi_definition: bool
    openapi_url: str | None
    deleted_at: datetime | None


class TargetPage(_Camel):
    items: list[TargetOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class ScanProgressOut(_Camel):
    requests: int = 0
    pages: int = 0
    inputs: int = 0
    findings: int = 0
    errors: int = 0


class DastScanOut(_Camel):
    id: uuid.UUID
    target_id: uuid.UUID
    status: ApiScanStatus
    phase: str | None
    progress_percent: int
    progress: ScanProgressOut
    counts: dict[str, int] = Field(description="Findings by severity (CRITICAL … UNKNOWN)")
    findings_count: int
    stats: dict[str, Any] | None = Field(description="The engine's statistics, once ended")
    pinned_address: str | None = Field(description="The address(es) the host was pinned to")
    error: str | None
    requested_by: uuid.UUID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class DastScanPage(_Camel):
    items: list[DastScanOut]
    next_cursor: str | None


class AnalyzeAccepted(_Camel):
    """``202`` for a new scan and for one already queued or running (same ``scanId``)."""

    status: Literal["accepted"] = "accepted"
    scan_id: uuid.UUID
    scan: DastScanOut

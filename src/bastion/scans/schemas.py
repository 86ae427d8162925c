"""The shapes of SPEC §2's scan API: the request body, the responses, the error envelope.

Field names and literal values here are the contract; the service fills them from the
stored report, never from a live ScanResult, so a response is the same whether the scan
finished a second or a month ago.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bastion.scans.errors import InvalidRequest

# GitHub's own rules: owners are 1-39 alphanumerics or single hyphens, repositories up to
# 100 of [A-Za-z0-9._-]; anything else could never be found, so it is a 400, not a 404.
OWNER_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$"
REPO_PATTERN = r"^[A-Za-z0-9._-]{1,100}$"
SHA_PATTERN = r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$"

SBOM_MEDIA_TYPE = "application/vnd.cyclonedx+json"

ApiConclusion = Literal["success", "failure", "neutral"]
ApiScanStatus = Literal["queued", "running", "success", "failed", "timed_out"]


@dataclass(frozen=True, slots=True)
class ScanTarget:
    """A commit to scan, with the sha resolved (the idempotency key needs it)."""

    installation_id: int
    owner: str
    repo: str
    ref: str
    sha: str
    pr_number: int | None = None

    def normalised(self) -> ScanTarget:
        """GitHub names and hex shas are case-insensitive; one spelling per commit."""
        return ScanTarget(
            self.installation_id,
            self.owner.lower(),
            self.repo.lower(),
            self.ref,
            self.sha.lower(),
            self.pr_number,
        )


class ScanRequest(BaseModel):
    """``POST /api/scan`` body. Strict types: ``"42"`` is not an installation id."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    installation_id: Annotated[int, Field(strict=True, gt=0)]
    owner: Annotated[str, Field(strict=True, pattern=OWNER_PATTERN)]
    repo: Annotated[str, Field(strict=True, pattern=REPO_PATTERN)]
    ref: Annotated[str, Field(strict=True, min_length=1, max_length=255)]
    sha: Annotated[str | None, Field(strict=True, pattern=SHA_PATTERN)] = None

    @field_validator("repo")
    @classmethod
    def _not_a_path(cls, repo: str) -> str:
        if repo in {".", ".."}:
            raise ValueError("not a repository name")
        return repo

    @classmethod
    def parse(cls, body: bytes | str) -> ScanRequest:
        """Parse a raw body, raising :class:`InvalidRequest` with SPEC's messages."""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidRequest("Request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise InvalidRequest("Request body must be a JSON object")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidRequest(describe_validation_error(exc)) from None


_EXPECTED = {
    "int_type": "an integer",
    "string_type": "a string",
    "bool_type": "a boolean",
}


def describe_validation_error(exc: ValidationError) -> str:
    """One sentence about the first problem: "Missing required field: owner"."""
    error = exc.errors()[0]
    field = ".".join(str(part) for part in error["loc"]) or "body"
    kind = error["type"]
    if kind == "missing":
        return f"Missing required field: {field}"
    if kind in _EXPECTED:
        return f"Invalid type for field {field}: expected {_EXPECTED[kind]}"
    return f"Invalid value for field {field}: {error['msg']}"


class FindingOut(BaseModel):
    package: str
    version: str
    ecosystem: str
    vulnerability_id: str
    severity: str
    is_imported: bool
    fixed_version: str | None


class ScanResultOut(BaseModel):
    conclusion: ApiConclusion
    vulnerability_count: int
    imported_count: int
    total_deps: int
    ecosystems: list[str]
    duration_ms: int
    findings: list[FindingOut]


class ScanAccepted(BaseModel):
    """``202``: queued or running; poll ``GET /api/scan/{scan_id}``."""

    status: Literal["accepted"] = "accepted"
    scan_id: uuid.UUID
    message: str = "Scan started"


class ScanSucceeded(BaseModel):
    """``200``: the scan finished within the request's short wait."""

    status: Literal["success"] = "success"
    scan_id: uuid.UUID
    result: ScanResultOut


class ScanStatusOut(BaseModel):
    """``GET /api/scan/{scan_id}``. ``status`` is ``success`` once the scan finished, as in
    the ``200`` of ``POST /api/scan``; a scan that could not complete (``failed``,
    ``timed_out``) still has a ``neutral`` result and says why in ``error``."""

    status: ApiScanStatus
    scan_id: uuid.UUID
    owner: str
    repo: str
    ref: str
    sha: str
    pr_number: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    result: ScanResultOut | None
    error: str | None


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    status: Literal["error"] = "error"
    error: ErrorDetail

    @classmethod
    def of(cls, code: str, message: str) -> ErrorResponse:
        return cls(error=ErrorDetail(code=code, message=message))

    @classmethod
    def from_exception(cls, exc: Any) -> ErrorResponse:
        """From any error with SPEC ``code`` and ``message`` (ScanError, GitHubError)."""
        return cls.of(str(exc.code), str(exc.message))

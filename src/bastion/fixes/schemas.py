"""The shapes of ``POST /api/fix``: the request body and the ``200`` answer (SPEC §2)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bastion.scans.errors import InvalidRequest
from bastion.scans.schemas import describe_validation_error


class FixRequest(BaseModel):
    """``POST /api/fix`` body. Strict types, as ``POST /api/scan``'s."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    installation_id: Annotated[int, Field(strict=True, gt=0)]
    scan_report_id: Annotated[str, Field(strict=True, description="The scan_id of a scan")]

    @field_validator("scan_report_id")
    @classmethod
    def _a_scan_id(cls, value: str) -> str:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("not a scan id (a UUID)") from None

    @property
    def scan_id(self) -> uuid.UUID:
        return uuid.UUID(self.scan_report_id)

    @classmethod
    def parse(cls, body: bytes | str) -> FixRequest:
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


class PullRequestOut(BaseModel):
    number: int
    url: str = Field(description="The pull request's page on GitHub (html_url)")
    title: str
    fixes_count: int = Field(description="Distinct packages the pull request raises")


class FixSucceeded(BaseModel):
    status: Literal["success"] = "success"
    pull_request: PullRequestOut

"""The findings API's errors, each with its SPEC-style code."""

from __future__ import annotations

from bastion.errors import BastionError


class FindingsError(BastionError):
    """Base of the findings API's errors."""


class InvalidFindingsRequest(FindingsError):
    code = "invalid_request"
    status_code = 400
    default_message = "Invalid request"


class FindingNotFound(FindingsError):
    code = "finding_not_found"
    status_code = 404
    default_message = "Finding not found"

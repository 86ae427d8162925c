"""The target API's errors, each with its SPEC-style code. The policy's own errors
(``target_not_allowed``, ``target_unresolvable``) live in :mod:`bastion.dast.policy`."""

from __future__ import annotations

from bastion.errors import BastionError


class TargetApiError(BastionError):
    """Base of the target API's errors."""


class InvalidTargetUrl(TargetApiError):
    code = "invalid_url"
    status_code = 400
    default_message = "Invalid URL"


class InvalidDefinition(TargetApiError):
    code = "invalid_definition"
    status_code = 400
    default_message = "The OpenAPI definition is not a valid OpenAPI 3.x or Swagger 2.0 document"


class InvalidAuthHeaders(TargetApiError):
    code = "invalid_auth_headers"
    status_code = 400
    default_message = "Invalid authentication headers"


class InvalidTargetRequest(TargetApiError):
    code = "invalid_request"
    status_code = 400
    default_message = "Invalid request"


class TargetExists(TargetApiError):
    code = "target_exists"
    status_code = 409
    default_message = "This organization already has a target with this URL"


class TargetNotFound(TargetApiError):
    code = "target_not_found"
    status_code = 404
    default_message = "Target not found"


class DastScanNotFound(TargetApiError):
    code = "scan_not_found"
    status_code = 404
    default_message = "Scan not found"


class TargetImmutable(TargetApiError):
    code = "method_not_allowed"
    status_code = 405
    default_message = "Targets are immutable: delete the target and create it again"

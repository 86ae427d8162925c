"""Refusals of ``POST /webhook``, as SPEC §2 codes rendered into the error envelope."""

from __future__ import annotations

from bastion.errors import BastionError


class WebhookError(BastionError):
    code = "webhook_error"
    status_code = 400
    default_message = "The webhook delivery could not be processed"


class InvalidSignature(WebhookError):
    code = "invalid_signature"
    status_code = 401
    default_message = "Invalid or missing X-Hub-Signature-256"


class InvalidWebhook(WebhookError):
    """A correctly signed delivery that is not what GitHub sends (headers, JSON, shape)."""

    code = "invalid_request"
    status_code = 400
    default_message = "Invalid webhook delivery"


class PayloadTooLarge(WebhookError):
    code = "payload_too_large"
    status_code = 413
    default_message = "Webhook payload too large"

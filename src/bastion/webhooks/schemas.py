"""SPEC §2's answers of ``POST /webhook``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class WebhookAccepted(BaseModel):
    """``202``: the delivery is acted on (a scan queued or joined, access forgotten)."""

    status: Literal["accepted"] = "accepted"


class WebhookIgnored(BaseModel):
    """``200``: an event or action bastion does not act on (``ping`` included)."""

    status: Literal["ignored"] = "ignored"

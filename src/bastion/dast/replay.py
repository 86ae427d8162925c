"""A finding's request as a ``curl`` command line, so a person can replay the proof."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bastion.dast.model import HttpRequest


def curl_command(request: HttpRequest) -> str:
    parts = ["curl", "-i", "-X", request.method, shlex.quote(request.url)]
    for name, value in request.headers:
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if request.content_type and request.header("content-type") is None:
        parts += ["-H", shlex.quote(f"Content-Type: {request.content_type}")]
    if request.cookies:
        cookie = "; ".join(f"{name}={value}" for name, value in request.cookies)
        parts += ["-H", shlex.quote(f"Cookie: {cookie}")]
    if request.body:
        parts += ["--data-binary", shlex.quote(request.body.decode("utf-8", errors="replace"))]
    return " ".join(parts)

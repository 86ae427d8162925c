"""Requests that carry a foreign ``Origin``: a CORS policy that echoes whatever origin
asks shows itself only when one asks. Browsers send ``Origin`` on cross-site requests,
never on a plain page load, so the crawl alone never triggers it.

Like ``exposed.py``, the probe belongs to the rule that judges the answers: a selected
passive rule whose module declares ``PROBE_ORIGIN`` turns it on.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

from bastion.dast.checks.base import PassiveRule
from bastion.dast.model import HttpRequest, ScanInput

# One request per endpoint, and no more than this per scan.
MAX_ORIGIN_PROBES = 500


def probe_origin(rules: Iterable[PassiveRule]) -> str | None:
    for rule in rules:
        declared = getattr(sys.modules.get(type(rule).__module__), "PROBE_ORIGIN", None)
        if isinstance(declared, str) and declared:
            return declared
    return None


def origin_requests(inputs: Sequence[ScanInput], origin: str) -> list[HttpRequest]:
    """Each distinct endpoint (method and URL without its query) once, as crawled, with
    ``Origin`` set to ``origin``."""
    seen: set[tuple[str, str]] = set()
    requests: list[HttpRequest] = []
    for scan_input in inputs:
        request = scan_input.request
        endpoint = (request.method, request.url.split("?", 1)[0].split("#", 1)[0])
        if endpoint in seen:
            continue
        seen.add(endpoint)
        headers = tuple((k, v) for k, v in request.headers if k.lower() != "origin")
        requests.append(
            HttpRequest(
                request.method,
                request.url,
                headers=(*headers, ("Origin", origin)),
                cookies=request.cookies,
                body=request.body,
                content_type=request.content_type,
            )
        )
        if len(requests) >= MAX_ORIGIN_PROBES:
            break
    return requests

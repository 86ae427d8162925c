"""The machine-readable app-scan report of SPEC §4: ``{"findings": [...], "stats": {...}}``.

``report_to_dict`` is the one mapping from a :class:`DastReport` to JSON-ready data, so
the CLI and (later) the HTTP API cannot drift apart. Finding keys start with SPEC's eight
(``rule_id`` … ``evidence``); the rest help a person reproduce and fix the finding.
"""

from __future__ import annotations

from typing import Any

import orjson

from bastion.dast.model import DastFinding, DastReport
from bastion.dast.replay import curl_command


def render(report: DastReport) -> str:
    # default=str: rule-supplied ``extra`` values may be anything; the report must print.
    return (
        orjson.dumps(report_to_dict(report), option=orjson.OPT_INDENT_2, default=str).decode()
        + "\n"
    )


def report_to_dict(report: DastReport) -> dict[str, Any]:
    stats = report.stats
    return {
        "findings": [finding_to_dict(f) for f in report.findings],
        "stats": {
            "requests": stats.requests,
            "pages": stats.pages,
            "inputs": stats.inputs,
            "insertion_points": stats.insertion_points,
            "errors": stats.errors,
            "retries": stats.retries,
            "duration_s": round(stats.duration, 3),
            "stop_reason": stats.stop_reason,
            "notes": list(stats.notes),
            "target": report.target,
            "started_at": report.started_at,
        },
    }


def finding_to_dict(finding: DastFinding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rule_id": finding.rule_id,
        "name": finding.name,
        "cwe": int(finding.cwe),
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "url": finding.url,
        "method": finding.method,
        "parameter": finding.parameter,
        "evidence": finding.evidence,
        "location": finding.location.value if finding.location else None,
        "payload": finding.payload,
        "request": curl_command(finding.request) if finding.request else None,
        "response_excerpt": finding.response_excerpt,
        "description": finding.description,
        "remediation": finding.remediation,
        "references": list(finding.references),
        "confirmations": [curl_command(r) for r in finding.confirmations],
    }
    if finding.extra:
        data["extra"] = dict(finding.extra)
    return data

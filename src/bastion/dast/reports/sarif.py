"""SARIF 2.1.0 for code-scanning dashboards and DAST aggregators.

One rule per rule id (CWE as ``external/cwe/cwe-N`` tag, the convention GitHub and
others read); one result per finding, located at the URL of the request that proved it,
with that request (and the response excerpt, when the rule kept one) as SARIF's
``webRequest``/``webResponse``. Fingerprints come from rule id + endpoint + parameter,
the unit findings are deduplicated on, so the same flaw keeps the same alert across
scans even when the payload or query values change.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

from bastion.dast.checks.registry import all_rules
from bastion.dast.model import DastFinding, DastReport, HttpRequest
from bastion.dast.replay import curl_command
from bastion.dast.reports.summary import endpoint_label, tool_version
from bastion.models import Severity

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "bastion/dast/v1"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.UNKNOWN: "note",
}
# GitHub ranks code-scanning alerts by a CVSS-like score given as a string; these sit in
# the middle of each of its bands (critical ≥ 9, high ≥ 7, medium ≥ 4, low > 0).
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}


def render(report: DastReport) -> str:
    return json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"


def to_sarif(report: DastReport) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    for finding in report.findings:
        if finding.rule_id not in rules:
            rules[finding.rule_id] = _rule(finding)
    rule_ids = sorted(rules)
    rule_index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    stats = report.stats
    notifications = [{"level": "warning", "message": {"text": note}} for note in stats.notes]
    if stats.stop_reason != "completed":
        notifications.insert(
            0, {"level": "warning", "message": {"text": f"scan stopped: {stats.stop_reason}"}}
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "bastion",
                "version": tool_version(),
                "rules": [rules[rule_id] for rule_id in rule_ids],
            }
        },
        "invocations": [
            {
                # The scan produced a report even when a budget cut it short; SARIF's
                # notifications carry why, as for any run that still succeeded.
                "executionSuccessful": True,
                "startTimeUtc": report.started_at,
                "toolExecutionNotifications": notifications,
                "properties": {
                    "target": report.target,
                    "requests": stats.requests,
                    "pages": stats.pages,
                    "inputs": stats.inputs,
                    "insertionPoints": stats.insertion_points,
                    "errors": stats.errors,
                    "retries": stats.retries,
                    "durationSeconds": round(stats.duration, 3),
                    "stopReason": stats.stop_reason,
                },
            }
        ],
        "results": [_result(f, rule_index[f.rule_id]) for f in report.findings],
    }
    return {"version": SARIF_VERSION, "$schema": SARIF_SCHEMA, "runs": [run]}


def fingerprint(finding: DastFinding) -> str:
    rule_id, endpoint, parameter = finding.dedup_key
    material = "\x00".join((rule_id, endpoint, parameter or ""))
    return hashlib.sha256(material.encode()).hexdigest()


def _rule(finding: DastFinding) -> dict[str, Any]:
    registered = all_rules().get(finding.rule_id)
    tags = ["security", "dast", f"external/cwe/cwe-{finding.cwe}"]
    if registered is not None:
        tags += [tag for tag in registered.tags if tag not in tags]
    description = finding.description or finding.name
    help_lines = [description]
    if finding.remediation:
        help_lines += ["", f"Remediation: {finding.remediation}"]
    help_lines += ["", f"CWE-{finding.cwe}: {_cwe_url(finding.cwe)}"]
    help_lines += list(finding.references)
    properties: dict[str, Any] = {"tags": tags, "cwe": f"CWE-{finding.cwe}"}
    if finding.severity in _SECURITY_SEVERITY:
        properties["security-severity"] = _SECURITY_SEVERITY[finding.severity]
    return {
        "id": finding.rule_id,
        "name": _pascal_case(finding.name) or finding.rule_id,
        "shortDescription": {"text": finding.name},
        "fullDescription": {"text": description},
        "help": {"text": "\n".join(help_lines)},
        "helpUri": _help_uri(finding),
        "defaultConfiguration": {"level": _LEVEL[finding.severity]},
        "properties": properties,
    }


def _result(finding: DastFinding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": f"{finding.name} at {endpoint_label(finding)}: {finding.evidence}"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(finding.url)}}}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
        "properties": {
            "confidence": finding.confidence.value,
            "severity": finding.severity.value,
            "method": finding.method,
            "parameter": finding.parameter,
            "location": finding.location.value if finding.location else None,
            "payload": finding.payload,
            "evidence": finding.evidence,
            "cwe": finding.cwe,
        },
    }
    request = finding.request or HttpRequest(finding.method, finding.url)
    result["webRequest"] = _web_request(request)
    result["properties"]["replay"] = curl_command(request)
    if finding.response_excerpt:
        result["webResponse"] = {"body": {"text": finding.response_excerpt}}
    return result


def _web_request(request: HttpRequest) -> dict[str, Any]:
    headers: dict[str, str] = {}
    for name, value in request.headers:
        # SARIF headers are a map; repeats join the way HTTP allows folding them.
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if request.content_type and request.header("content-type") is None:
        headers["Content-Type"] = request.content_type
    if request.cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in request.cookies)
    try:
        scheme = urlsplit(request.url).scheme
    except ValueError:
        scheme = ""
    web: dict[str, Any] = {
        "protocol": (scheme or "http").upper(),
        "method": request.method,
        "target": request.url,
    }
    if headers:
        web["headers"] = headers
    if request.body:
        try:
            web["body"] = {"text": request.body.decode("utf-8")}
        except UnicodeDecodeError:
            web["body"] = {"binary": base64.b64encode(request.body).decode("ascii")}
    return web


def uri(url: str) -> str:
    """``url`` as a valid URI: characters a URI may not hold (spaces, quotes, ``<``,
    controls, non-ASCII: targets send anything) percent-encoded, the rest untouched."""
    return quote(url, safe="!#$%&'()*+,/:;=?@[]~", encoding="utf-8", errors="replace")


def _help_uri(finding: DastFinding) -> str:
    for reference in finding.references:
        try:
            scheme = urlsplit(reference).scheme.lower()
        except ValueError:
            continue
        if scheme in {"http", "https"}:
            return uri(reference)
    return _cwe_url(finding.cwe)


def _cwe_url(cwe: int) -> str:
    return f"https://cwe.mitre.org/data/definitions/{cwe}.html"


def _pascal_case(text: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", text))

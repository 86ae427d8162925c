"""SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps).

One rule per advisory; one result per affected dependency, located at the manifest line
that declares it. Fingerprints come from advisory id + manifest + package (as
osv-scanner does), without the version: bumping to a release that is still affected
keeps the same alert instead of closing one and opening another.

License-policy violations share one rule, ``license-policy``, at level "warning": they
never fail the scan, so they must not fail a code-scanning check either. Their
fingerprints use the rule id in place of the advisory id.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from bastion.models import Dependency, Finding, LicenseFinding, ScanResult, Severity, Vulnerability
from bastion.purl import purl_for
from bastion.reports import summary

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "bastion/v1"
LICENSE_RULE_ID = "license-policy"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.UNKNOWN: "warning",
}


def render(result: ScanResult) -> str:
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n"


def to_sarif(result: ScanResult) -> dict[str, Any]:
    findings = summary.sort_findings(result.findings)
    violations = summary.license_violations(result)
    rules: dict[str, dict[str, Any]] = {}
    for finding in findings:
        if finding.vulnerability.id not in rules:
            rules[finding.vulnerability.id] = _rule(finding.vulnerability)
    if violations:
        rules[LICENSE_RULE_ID] = _license_rule(result.license_policy or "")
    rule_ids = sorted(rules)
    rule_index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "bastion",
                "version": summary.tool_version(),
                "rules": [rules[rule_id] for rule_id in rule_ids],
            }
        },
        "invocations": [
            {
                # Per SARIF, non-fatal problems are notifications of a run that still
                # succeeded; an unreadable lockfile must not hide the other results.
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    _notification(issue.message, issue.source, issue.line, "error")
                    for issue in result.errors
                ]
                + [_notification(w, None, None, "warning") for w in result.warnings],
            }
        ],
        "results": [_result(f, rule_index[f.vulnerability.id]) for f in findings]
        + [_license_result(v, rule_index[LICENSE_RULE_ID]) for v in violations],
    }
    return {"version": SARIF_VERSION, "$schema": SARIF_SCHEMA, "runs": [run]}


def _rule(vuln: Vulnerability) -> dict[str, Any]:
    short = vuln.summary or vuln.id
    help_lines = [short]
    if vuln.affected_ranges:
        help_lines.append(f"Affected versions: {vuln.affected_ranges}")
    if vuln.fixed_version:
        help_lines.append(f"Fixed in: {vuln.fixed_version}")
    if vuln.url:
        help_lines.append(vuln.url)
    properties: dict[str, Any] = {
        "tags": ["security", "vulnerability", "dependency"]
        + ([vuln.informational] if vuln.informational else []),
    }
    # GitHub ranks code-scanning alerts by this CVSS-like number, given as a string.
    if vuln.cvss_score is not None:
        properties["security-severity"] = f"{vuln.cvss_score:.1f}"
    if vuln.aliases:
        properties["aliases"] = list(vuln.aliases)
    rule: dict[str, Any] = {
        "id": vuln.id,
        "shortDescription": {"text": short},
        "fullDescription": {"text": vuln.details or short},
        "help": {"text": "\n".join(help_lines)},
        "defaultConfiguration": {"level": _level(vuln)},
        "properties": properties,
    }
    if vuln.url:
        rule["helpUri"] = vuln.url
    return rule


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    dep, vuln = finding.dependency, finding.vulnerability
    cve = summary.first_cve(vuln)
    advisory = f"{vuln.id} ({cve})" if cve else vuln.id
    package = f"{dep.name} {dep.version or '(no version)'} ({dep.ecosystem.value})"
    message = f"{package} is affected by {advisory}"
    if vuln.summary:
        message += f": {vuln.summary}"
    message += "."
    if vuln.fixed_version:
        message += f" Fixed in {vuln.fixed_version}."
    return {
        "ruleId": vuln.id,
        "ruleIndex": rule_index,
        "level": _level(vuln),
        "message": {"text": message},
        "locations": [_location(dep.source, dep.line)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
        "properties": {
            "package": dep.name,
            "version": dep.version,
            "ecosystem": dep.ecosystem.value,
            "purl": purl_for(dep),
            "fixedVersion": vuln.fixed_version,
            "isImported": finding.is_imported,
            "reachability": finding.reachability,
            "approximate": summary.is_approximate(finding),
        },
    }


def _license_rule(policy: str) -> dict[str, Any]:
    text = f"A dependency's license is not allowed by the license policy ({policy})."
    return {
        "id": LICENSE_RULE_ID,
        "shortDescription": {"text": "License not allowed by the license policy"},
        "fullDescription": {"text": text},
        "help": {
            "text": f"{text}\nReplace the dependency, or allow its license in license.policy "
            "of .bastion.yml. License findings do not change the scan's conclusion."
        },
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["license", "compliance", "dependency"]},
    }


def _license_result(finding: LicenseFinding, rule_index: int) -> dict[str, Any]:
    dep = finding.dependency
    package = f"{dep.name} {dep.version or '(no version)'} ({dep.ecosystem.value})"
    return {
        "ruleId": LICENSE_RULE_ID,
        "ruleIndex": rule_index,
        "level": "warning",
        "message": {"text": f"{package} is licensed {finding.expression}: {finding.reason}."},
        "locations": [_location(dep.source, dep.line)],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(LICENSE_RULE_ID, dep)},
        "properties": {
            "package": dep.name,
            "version": dep.version,
            "ecosystem": dep.ecosystem.value,
            "purl": purl_for(dep),
            "license": finding.expression,
            "category": finding.category.value,
        },
    }


def fingerprint(finding: Finding) -> str:
    return _fingerprint(finding.vulnerability.id, finding.dependency)


def _fingerprint(rule_id: str, dep: Dependency) -> str:
    material = "\x00".join((rule_id, dep.source, dep.ecosystem.value, dep.name))
    return hashlib.sha256(material.encode()).hexdigest()


def _location(source: str, line: int | None) -> dict[str, Any]:
    # Code-scanning UIs need a region to anchor an alert; the file's first line is the
    # honest fallback when the extractor could not tell the line.
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(source, safe="/")},
            "region": {"startLine": line if line and line > 0 else 1},
        }
    }


def _notification(message: str, source: str | None, line: int | None, level: str) -> dict[str, Any]:
    notification: dict[str, Any] = {"level": level, "message": {"text": message}}
    if source:
        notification["locations"] = [_location(source, line)]
    return notification


def _level(vuln: Vulnerability) -> str:
    return "note" if vuln.informational else _LEVEL[vuln.severity]

"""`bastion scan`: extract dependencies, match advisories, decide the verdict."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bastion.advisories.store import AdvisorySource
from bastion.models import Finding, ScanResult
from bastion.sca.licenses import evaluate_licenses
from bastion.sca.matcher import find_vulnerabilities
from bastion.sca.reachability import analyse_imports, apply_reachability
from bastion.sca.repo_config import IgnoreRule, RepoConfig, load_repo_config
from bastion.sca.verdict import BlockOn, conclude
from bastion.sca.walker import collect

NO_ADVISORIES_NOTE = (
    "No advisories are loaded, so nothing could be matched. Load them with "
    "`bastion advisories sync` (online) or `bastion advisories import PATH` (offline)."
)
NOT_ANALYZED_NOTE = (
    "Import analysis did not run: every finding is treated as imported (the cautious choice)."
)
PARTLY_ANALYZED_NOTE = (
    "Import analysis did not cover every package ({ecosystems}: no source files of their "
    "languages, or import names it cannot know); those findings are treated as imported."
)


def scan_path(
    target: Path,
    source: AdvisorySource,
    *,
    exclude: Sequence[str] = (),
    block_on: BlockOn | None = None,
    config: RepoConfig | None = None,
) -> ScanResult:
    """Scan a directory or one file. ``block_on`` overrides the repository's own setting."""
    started = time.perf_counter()
    scanned_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    config = config or load_repo_config(target)
    dependencies, errors = collect(target, [*config.exclude_paths, *exclude])
    if config.ecosystems is not None:
        dependencies = [d for d in dependencies if d.ecosystem in config.ecosystems]

    loaded = source.record_count()
    notes: list[str] = []
    warnings = list(config.warnings)
    findings: list[Finding] = []
    if not config.vulnerability_enabled:
        notes.append(f"Vulnerability matching is disabled by {config.source}.")
    elif not loaded:
        notes.append(NO_ADVISORIES_NOTE)
    else:
        findings = _apply_policy(
            find_vulnerabilities(dependencies, source), config, notes, warnings
        )
    analysed = False
    # A single lockfile has no source tree of its own; its directory may be anything.
    if findings and config.reachability_enabled and target.is_dir():
        report = analyse_imports(target, dependencies, exclude=[*config.exclude_paths, *exclude])
        findings = apply_reachability(findings, report)
        notes.extend(report.notes)
        analysed = bool(report.analysed)
    unanalysed = sorted(
        {f.dependency.ecosystem.value for f in findings if f.reachability == "not_analyzed"}
    )
    if unanalysed:
        notes.append(
            PARTLY_ANALYZED_NOTE.format(ecosystems=", ".join(unanalysed))
            if analysed
            else NOT_ANALYZED_NOTE
        )
    findings.sort(
        key=lambda f: (
            -f.vulnerability.severity.rank,
            f.dependency.name.lower(),
            f.dependency.version or "",
            f.vulnerability.id,
        )
    )
    # Reported on their own: license findings never change the conclusion.
    licenses = evaluate_licenses(dependencies, config.license_policy)
    return ScanResult(
        findings=tuple(findings),
        dependencies=tuple(dependencies),
        ecosystems=tuple(sorted({d.ecosystem.value for d in dependencies})),
        scanned_at=scanned_at,
        duration_ms=round((time.perf_counter() - started) * 1000),
        # Without advisories nothing was checked: that is no clean bill of health.
        conclusion=conclude(
            findings,
            len(dependencies),
            block_on or config.block_on,
            complete=bool(loaded) or not config.vulnerability_enabled,
        ),
        errors=tuple(errors),
        warnings=tuple(warnings),
        advisories_loaded=loaded,
        target=str(target),
        notes=tuple(notes),
        licenses=licenses,
        license_policy=config.license_policy.label if config.license_policy else None,
    )


def _apply_policy(
    findings: list[Finding], config: RepoConfig, notes: list[str], warnings: list[str]
) -> list[Finding]:
    """Ignored advisories and findings below the severity threshold are left out, and the
    report says which and why, so nothing disappears silently."""
    today = datetime.now(UTC).date()
    active: dict[str, IgnoreRule] = {}
    for rule in config.ignore_ids:
        if rule.active(today):
            active[rule.id] = rule
        else:
            warnings.append(
                f"ignore for {rule.id} expired on {rule.expires}: its findings are reported again"
            )
    used: dict[str, int] = {}
    kept: list[Finding] = []
    dropped_threshold = 0
    for finding in findings:
        vuln = finding.vulnerability
        matched = next((i for i in (vuln.id, *vuln.aliases) if i in active), None)
        if matched is not None:
            used[matched] = used.get(matched, 0) + 1
        elif vuln.severity.rank < config.severity_threshold.rank:
            dropped_threshold += 1
        else:
            kept.append(finding)
    for rule_id, count in used.items():
        applied = active[rule_id]
        why = f": {applied.reason}" if applied.reason else ""
        until = f" (until {applied.expires})" if applied.expires else ""
        notes.append(f"{count} finding(s) of {rule_id} ignored{until}{why}.")
    for rule_id in active.keys() - used.keys():
        warnings.append(f"ignore for {rule_id} matched no finding; remove it if it is obsolete")
    if dropped_threshold:
        threshold = config.severity_threshold.value.lower()
        notes.append(f"{dropped_threshold} finding(s) below the {threshold} threshold hidden.")
    return kept

"""Dependencies times advisories → findings, using the mirror's (ecosystem, name) index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from bastion.advisories.store import AdvisorySource
from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.matching.affected import AffectedMatch, match_affected
from bastion.models import Dependency, Finding
from bastion.versions import version_key


def _merge(ecosystem: Ecosystem, first: AffectedMatch, second: AffectedMatch) -> AffectedMatch:
    """One advisory may list the same package in several ``affected`` entries."""
    fixes = [f for f in (first.fixed_version, second.fixed_version) if f]
    return AffectedMatch(
        affected=True,
        approximate=first.approximate or second.approximate,
        fixed_version=min(fixes, key=lambda v: version_key(ecosystem, v)) if fixes else None,
        ranges_text=" || ".join(r for r in (first.ranges_text, second.ranges_text) if r),
        imports=first.imports + second.imports,
    )


def find_vulnerabilities(
    dependencies: Sequence[Dependency], source: AdvisorySource
) -> list[Finding]:
    """Every (dependency, advisory) pair where the installed version is affected.

    Reachability is not decided here: ``is_imported`` starts conservative (True, with
    reachability "not_analyzed") and an import-analysis pass may refine it.
    """
    by_ecosystem: dict[Ecosystem, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for index, dep in enumerate(dependencies):
        if dep.version:
            by_ecosystem[dep.ecosystem][normalize_package_name(dep.ecosystem, dep.name)].append(
                index
            )

    # Keyed by (dependency index, advisory id); dicts keep first-seen order.
    matches: dict[tuple[int, str], AffectedMatch] = {}
    for ecosystem, indices_by_name in by_ecosystem.items():
        entries = source.affected_entries(ecosystem, indices_by_name)
        for name, candidates in entries.items():
            for index in indices_by_name.get(name, ()):
                version = dependencies[index].version
                assert version is not None
                for candidate in candidates:
                    result = match_affected(candidate.entry, ecosystem, version)
                    if not result.affected:
                        continue
                    key = (index, candidate.advisory_id)
                    previous = matches.get(key)
                    matches[key] = (
                        result if previous is None else _merge(ecosystem, previous, result)
                    )

    infos = source.advisories({advisory_id for _, advisory_id in matches})
    findings: list[Finding] = []
    for (index, advisory_id), match in matches.items():
        info = infos.get(advisory_id)
        if info is None:  # withdrawn or replaced between the two queries
            continue
        findings.append(
            Finding(
                dependency=dependencies[index],
                vulnerability=info.to_vulnerability(
                    match.fixed_version, match.ranges_text, match.imports
                ),
                is_imported=True,
                reachability="not_analyzed",
                # A lower bound stands in for an unknown version: say the match is approximate.
                approximate=match.approximate or dependencies[index].approximate,
            )
        )
    return findings

"""Import analysis as a whole: walk, parse, map imports to dependencies, and the post-pass
that records the verdict on findings.

The post-pass only refines: it sets ``is_imported``, ``reachability``, ``evidence`` and
``symbol_used`` and never removes a finding. Where it cannot be sure that a package is
not imported (no source of its languages, import names it cannot know, a file cap hit),
the finding keeps the matcher's cautious "not_analyzed" with ``is_imported`` True.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.models import Dependency, Finding, Vulnerability
from bastion.sca.reachability.base import ImportKind, ImportRef, Language
from bastion.sca.reachability.mapping.base import ImportMapping, Segments
from bastion.sca.reachability.mapping.registry import new_mapping
from bastion.sca.reachability.walker import AnalysisLimits, FileImports, find_sources, parse_files

logger = logging.getLogger(__name__)

DependencyKey = tuple[Ecosystem, str]
MAX_EVIDENCE = 3

IMPORTED = "imported"
NOT_IMPORTED = "not_imported"
NOT_ANALYZED = "not_analyzed"


def dependency_key(dependency: Dependency) -> DependencyKey:
    return dependency.ecosystem, normalize_package_name(dependency.ecosystem, dependency.name)


@dataclass(frozen=True, slots=True)
class Usage:
    """One place the project's code imports a dependency."""

    path: str
    line: int
    specifier: str
    kind: ImportKind = ImportKind.RUNTIME
    generated: bool = False
    symbols: tuple[str, ...] | None = ()
    selectors: tuple[str, ...] = ()

    @property
    def runtime(self) -> bool:
        return self.kind is not ImportKind.TYPE_ONLY

    def evidence(self) -> str:
        where = f"{self.path}:{self.line}"
        if self.kind is ImportKind.TYPE_ONLY:
            where += " (type-only import, erased at run time)"
        elif self.kind is ImportKind.ALL_DIRECT:
            where += f" ({self.specifier} loads every gem of the Gemfile)"
        if self.generated:
            where += " (generated file)"
        return where


@dataclass(frozen=True, slots=True)
class Verdict:
    reachability: str
    evidence: tuple[str, ...] = ()
    usages: tuple[Usage, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    """What import analysis found in one tree, for the dependencies it was given."""

    # Ecosystems with at least one source file of their languages read.
    analysed: frozenset[Ecosystem] = frozenset()
    usages: Mapping[DependencyKey, tuple[Usage, ...]] = field(default_factory=dict)
    # Dependencies that were analysed, and those whose import names cannot be known.
    known: frozenset[DependencyKey] = frozenset()
    unknown: frozenset[DependencyKey] = frozenset()
    # Versions of each direct dependency, per lockfile: the copy the project's imports load.
    direct_versions: Mapping[tuple[DependencyKey, str], frozenset[str]] = field(
        default_factory=dict
    )
    files: Mapping[Language, int] = field(default_factory=dict)
    skipped: tuple[tuple[str, str], ...] = ()
    truncated: bool = False
    duration_ms: int = 0
    notes: tuple[str, ...] = ()

    def verdict(self, dependency: Dependency) -> Verdict:
        key = dependency_key(dependency)
        if (
            dependency.ecosystem not in self.analysed
            or key not in self.known
            or key in self.unknown
        ):
            return Verdict(NOT_ANALYZED)
        usages = _ordered(self.usages.get(key, ()))
        evidence = tuple(dict.fromkeys(u.evidence() for u in usages))[:MAX_EVIDENCE]
        if any(u.runtime for u in usages):
            loaded = self.direct_versions.get((key, dependency.source), frozenset())
            if not dependency.direct and loaded and dependency.version not in loaded:
                # A second copy nested under another package (npm's node_modules/express/
                # node_modules/cookie, Cargo's time 0.1 beside time 0.3): the project's own
                # imports resolve to its direct dependency, this copy serves other packages.
                versions = ", ".join(sorted(loaded))
                note = (
                    f" (loads {dependency.name} {versions}, the direct dependency, not this copy)"
                )
                return Verdict(NOT_IMPORTED, tuple(e + note for e in evidence), usages)
            return Verdict(IMPORTED, evidence, usages)
        if self.truncated:
            # Some files were never read: an import may be in one of them.
            return Verdict(NOT_ANALYZED, evidence, usages)
        return Verdict(NOT_IMPORTED, evidence, usages)


def _ordered(usages: Iterable[Usage]) -> tuple[Usage, ...]:
    return tuple(
        sorted(
            usages,
            key=lambda u: (
                not u.runtime,
                u.kind is ImportKind.ALL_DIRECT,
                u.generated,
                u.path,
                u.line,
            ),
        )
    )


class DependencyIndex:
    """Longest-prefix lookup from import segments to dependencies of one ecosystem."""

    def __init__(self, mapping: ImportMapping, dependencies: Sequence[Dependency]) -> None:
        self.mapping = mapping
        self.prefixes: dict[Segments, set[DependencyKey | None]] = defaultdict(set)
        self.unknown: set[DependencyKey] = set()
        self.direct: set[DependencyKey] = set()
        names: dict[DependencyKey, str] = {}
        for dependency in dependencies:
            key = dependency_key(dependency)
            names.setdefault(key, dependency.name)
            if dependency.direct:
                self.direct.add(key)
        for key, name in names.items():
            prefixes = mapping.import_prefixes(name)
            if prefixes is None:
                self.unknown.add(key)
                continue
            for prefix in prefixes:
                if prefix and all(prefix):
                    self.prefixes[prefix].add(key)
        for prefix in mapping.first_party():
            if prefix:
                self.prefixes[prefix].add(None)  # None: the project's own code
        self.longest = max((len(p) for p in self.prefixes), default=0)

    def resolve(self, ref: ImportRef, language: Language) -> set[DependencyKey]:
        if ref.kind is ImportKind.ALL_DIRECT:
            return set(self.direct)
        found: set[DependencyKey] = set()
        for segments in self.mapping.segments(ref, language):
            for size in range(min(len(segments), self.longest), 0, -1):
                hit = self.prefixes.get(segments[:size])
                if hit is not None:
                    found |= {key for key in hit if key is not None}
                    break
        return found


def analyse_imports(
    root: Path,
    dependencies: Sequence[Dependency],
    *,
    exclude: Sequence[str] = (),
    limits: AnalysisLimits | None = None,
) -> ImportReport:
    """Which of ``dependencies`` the source files under ``root`` import, and where."""
    started = time.perf_counter()
    limits = limits or AnalysisLimits()
    by_ecosystem: dict[Ecosystem, list[Dependency]] = defaultdict(list)
    for dependency in dependencies:
        by_ecosystem[dependency.ecosystem].append(dependency)
    mappings = [m for m in (new_mapping(e) for e in by_ecosystem) if m is not None]
    if not mappings:
        return ImportReport()

    context_names = frozenset(name for m in mappings for name in m.context_files)
    tree = find_sources(root, exclude, limits, context_names)
    for relative, data in tree.context:
        path = PurePosixPath(relative)
        for mapping in mappings:
            if path.name in mapping.context_files:
                try:
                    mapping.learn(path, data)
                except Exception:
                    logger.exception(
                        "%s mapping could not learn from %s", mapping.ecosystem, relative
                    )

    # Only languages some dependency can be imported from are worth parsing.
    wanted = frozenset(language for m in mappings for language in m.languages)
    results = parse_files([f for f in tree.files if f.language in wanted], limits)

    indexes = {m.ecosystem: DependencyIndex(m, by_ecosystem[m.ecosystem]) for m in mappings}
    by_language: dict[Language, list[DependencyIndex]] = defaultdict(list)
    for mapping in mappings:
        for language in mapping.languages:
            by_language[language].append(indexes[mapping.ecosystem])
    usages = _usages(results, by_language)

    parsed = Counter(r.language for r in results if r.skipped is None)
    analysed = frozenset(m.ecosystem for m in mappings if any(parsed[lang] for lang in m.languages))
    skipped = tuple((r.relative, r.skipped) for r in results if r.skipped is not None)
    direct_versions: dict[tuple[DependencyKey, str], set[str]] = defaultdict(set)
    for dependency in dependencies:
        if dependency.direct and dependency.version:
            direct_versions[dependency_key(dependency), dependency.source].add(dependency.version)
    report = ImportReport(
        analysed=analysed,
        usages={key: tuple(found) for key, found in usages.items()},
        known=frozenset(dependency_key(d) for d in dependencies if d.ecosystem in indexes),
        unknown=frozenset(key for index in indexes.values() for key in index.unknown),
        direct_versions={k: frozenset(v) for k, v in direct_versions.items()},
        files=dict(parsed),
        skipped=(*skipped, *tree.problems),
        truncated=tree.truncated,
        duration_ms=round((time.perf_counter() - started) * 1000),
        notes=tuple(_notes(tree.truncated, limits, skipped)),
    )
    logger.debug(
        "import analysis: %d files (%s) in %d ms",
        sum(parsed.values()),
        ", ".join(f"{lang} {count}" for lang, count in sorted(parsed.items())),
        report.duration_ms,
    )
    return report


def _usages(
    results: Iterable[FileImports], by_language: Mapping[Language, list[DependencyIndex]]
) -> dict[DependencyKey, list[Usage]]:
    usages: dict[DependencyKey, list[Usage]] = defaultdict(list)
    for result in results:
        indexes = by_language.get(result.language, ())
        for ref in result.refs:
            for index in indexes:
                for key in index.resolve(ref, result.language):
                    usages[key].append(
                        Usage(
                            result.relative,
                            ref.line,
                            ref.specifier,
                            ref.kind,
                            result.generated,
                            ref.symbols,
                            ref.selectors,
                        )
                    )
    return usages


def _notes(
    truncated: bool, limits: AnalysisLimits, skipped: Sequence[tuple[str, str]]
) -> list[str]:
    notes: list[str] = []
    if truncated:
        notes.append(
            f"Import analysis stopped after {limits.max_files} source files: packages it did "
            "not see imported are treated as imported."
        )
    if skipped:
        path, reason = skipped[0]
        more = f" and {len(skipped) - 1} more" if len(skipped) > 1 else ""
        notes.append(f"Import analysis skipped {path} ({reason}){more}.")
    return notes


def symbol_used(vulnerability: Vulnerability, usages: Sequence[Usage]) -> bool | None:
    """Whether the code references a symbol the advisory names as vulnerable.

    Only Go advisories name symbols (``ecosystem_specific.imports``). A plain symbol counts
    when it is selected through the vulnerable package's import (`yaml.Unmarshal`); a
    method ("Conn.ReadMessage") when its name is selected anywhere in a file importing the
    package, since the receiver's type is a type checker's business. A vulnerable package
    listed without symbols is vulnerable as a whole. None when the advisory lists no
    symbols or when a package's local name could not be determined.
    """
    imports = vulnerability.affected_imports
    if not any(item.symbols for item in imports):
        return None
    unknown = False
    for item in imports:
        for usage in usages:
            if not usage.runtime or usage.specifier != item.path:
                continue
            if not item.symbols:
                return True
            if usage.symbols is None:
                unknown = True
                continue
            for symbol in item.symbols:
                _, dot, method = symbol.rpartition(".")
                if (dot and method in usage.selectors) or (not dot and symbol in usage.symbols):
                    return True
    return None if unknown else False


def apply_reachability(findings: Iterable[Finding], report: ImportReport) -> list[Finding]:
    """The findings with the import verdict recorded; never fewer findings than given."""
    updated: list[Finding] = []
    for finding in findings:
        verdict = report.verdict(finding.dependency)
        if verdict.reachability == NOT_ANALYZED:
            updated.append(finding)
            continue
        updated.append(
            replace(
                finding,
                is_imported=verdict.reachability == IMPORTED,
                reachability=verdict.reachability,
                evidence=verdict.evidence,
                # A package the code does not import references none of its symbols.
                symbol_used=symbol_used(
                    finding.vulnerability,
                    verdict.usages if verdict.reachability == IMPORTED else (),
                ),
            )
        )
    return updated

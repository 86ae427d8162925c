"""Import analysis: does the project's own code import the vulnerable package?

    report = analyse_imports(root, dependencies, exclude=config.exclude_paths)
    findings = apply_reachability(findings, report)

Imports are read from syntax trees, one reader per language (``languages/``), and matched
to dependencies through one mapping per ecosystem (``mapping/``).
"""

from bastion.sca.reachability.analysis import (
    ImportReport,
    Usage,
    Verdict,
    analyse_imports,
    apply_reachability,
    dependency_key,
    symbol_used,
)
from bastion.sca.reachability.base import ImportKind, ImportRef, Language, LanguageReader
from bastion.sca.reachability.walker import AnalysisLimits

__all__ = [
    "AnalysisLimits",
    "ImportKind",
    "ImportRef",
    "ImportReport",
    "Language",
    "LanguageReader",
    "Usage",
    "Verdict",
    "analyse_imports",
    "apply_reachability",
    "dependency_key",
    "symbol_used",
]

"""Raising a one-version constraint to a fixed release while keeping how it is written.

npm, Composer, Cargo and Poetry all write most constraints as an optional operator and
one version: ``^4.17.15``, ``~1.2``, ``>=2.0.0``, ``=1.0.0``, ``1.2.3``. Raising such a
constraint means replacing the version and nothing else, so ``^4.17.15`` becomes
``^4.17.21``: the operator, spacing and a ``v`` prefix stay as the author wrote them.

Anything else (several clauses, ``||``, hyphen ranges, wildcards, tags such as
``latest``, URLs) is not guessed at: :class:`UnsupportedConstraint` says why, and the
pull request asks for the edit in words.
"""

from __future__ import annotations

import re

from bastion.ecosystems import Ecosystem
from bastion.versions import compare_versions

# Operators whose version is a lower bound: raising it to the fix excludes the vulnerable
# releases and keeps the author's choice of how far upgrades may float.
LOWER_BOUND_OPERATORS = frozenset({"", "=", "==", "^", "~", "~>", "~=", ">="})

_CONSTRAINT = re.compile(
    r"(?P<lead>\s*)(?P<op>\^|~>|~=|~|>=|===|==|=)?(?P<gap>\s*)(?P<v>v?)"
    r"(?P<version>\d+(?:\.[0-9A-Za-z*]+)*(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)(?P<trail>\s*)"
)
_WILDCARD = re.compile(r"(^|\.)(x|X|\*)(\.|$|-|\+)")


class UnsupportedConstraint(Exception):
    def __init__(self, constraint: str, why: str) -> None:
        super().__init__(f"{constraint!r} {why}")
        self.reason = f"constraint {constraint!r} {why}; raise it by hand"


def raise_constraint(
    constraint: str,
    target: str,
    ecosystem: Ecosystem,
    *,
    operators: frozenset[str] = LOWER_BOUND_OPERATORS,
) -> str | None:
    """``constraint`` with its version replaced by ``target``, or None when its version
    is ``target`` or later already (only the lockfile is behind).

    Raises :class:`UnsupportedConstraint` for anything but one operator from
    ``operators`` (``""`` for none) and one version.
    """
    match = _CONSTRAINT.fullmatch(constraint)
    if match is None:
        raise UnsupportedConstraint(constraint, "is not a single version")
    operator = match["op"] or ""
    if operator not in operators:
        raise UnsupportedConstraint(constraint, f"uses {operator!r}, not a lower bound")
    version = match["version"]
    if _WILDCARD.search(version):
        raise UnsupportedConstraint(constraint, "is a wildcard")
    if compare_versions(ecosystem, version, target) >= 0:
        return None
    start, end = match.span("version")
    return constraint[:start] + target + constraint[end:]

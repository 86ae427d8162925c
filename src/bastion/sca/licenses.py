"""License compliance: normalise declared licenses, classify them, apply ``license.policy``.

A declared license is parsed as an SPDX expression with ``license-expression`` (without
validation, so free text survives as an unknown license instead of failing). Deprecated
ids take their current form (``GPL-2.0`` is ``GPL-2.0-only``), and a short table maps
unambiguous legacy spellings (``Apache 2.0``, ``MIT/X11``) to their SPDX id. Family names
that do not say which license (``BSD``, ``Apache``) stay unknown: guessing would put words
in the author's mouth.

Each license falls in one :class:`~bastion.models.LicenseCategory`, from a curated table of
SPDX ids. ``A OR B`` lets the user pick, so it takes the most permissive option; ``A AND
B`` binds to both, so it takes the most restrictive. Unknown counts as the most
restrictive: it could be anything.

A policy answers, per license, allowed / not allowed / cannot tell (unknown licenses).
Expressions combine those answers with three-valued logic: ``OR`` is allowed when any
option is, ``AND`` only when every part is; "cannot tell" wins over "allowed" but not over
"not allowed". Cannot-tell findings are for a person to review, not violations.

License findings never change the scan's conclusion: that is about vulnerabilities (SPEC
§1). They are reported in their own section of every format.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from bastion.models import Dependency, LicenseCategory, LicenseFinding


class PolicyKind(StrEnum):
    PERMISSIVE = "permissive"  # only permissive licenses
    COPYLEFT_OK = "copyleft_ok"  # any classified license; unknown ones are reviewed
    CUSTOM = "custom"  # explicit allow and/or block lists of SPDX ids


@dataclass(frozen=True, slots=True)
class LicensePolicy:
    """``license.policy`` of ``.bastion.yml``: a name, or ``{allow: [...], block: [...]}``.

    With an allow list, a known license not on it is a violation; with only a block list,
    everything not blocked is allowed. Unknown licenses always need review unless listed.
    """

    kind: PolicyKind
    allow: tuple[str, ...] = ()
    block: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.kind is not PolicyKind.CUSTOM:
            return self.kind.value
        parts = [
            f"{word} {', '.join(ids)}"
            for word, ids in (("allow", self.allow), ("block", self.block))
            if ids
        ]
        return f"custom ({'; '.join(parts)})"


# Restrictiveness, for OR (least wins) and AND (most wins).
_RANK = {
    LicenseCategory.PERMISSIVE: 0,
    LicenseCategory.WEAK_COPYLEFT: 1,
    LicenseCategory.COPYLEFT: 2,
    LicenseCategory.UNKNOWN: 3,
}

# Curated: the licenses dependencies actually carry, classified as the usual compliance
# guides do (permissive = notice only; weak = file- or library-level reciprocity; copyleft
# = the combined work). Anything else known to SPDX is unknown until someone decides.
_PERMISSIVE = {
    "0BSD",
    "AFL-2.1",
    "AFL-3.0",
    "Apache-1.0",
    "Apache-1.1",
    "Apache-2.0",
    "BlueOak-1.0.0",
    "BSL-1.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC0-1.0",
    "HPND",
    "ISC",
    "MIT",
    "MIT-0",
    "MS-PL",
    "NCSA",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Python-2.0.1",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "W3C",
    "WTFPL",
    "X11",
    "Zlib",
}
_WEAK_COPYLEFT = {
    "CPL-1.0",
    "MPL-1.0",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-RL",
    "OFL-1.1",
}
_COPYLEFT = {
    "CC-BY-SA-4.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "OSL-3.0",
    "SSPL-1.0",
}
# Whole families: every version, and -only/-or-later variants alike.
_FAMILIES = (
    ("BSD-", LicenseCategory.PERMISSIVE),
    ("LGPL-", LicenseCategory.WEAK_COPYLEFT),
    ("EPL-", LicenseCategory.WEAK_COPYLEFT),
    ("CDDL-", LicenseCategory.WEAK_COPYLEFT),
    ("AGPL-", LicenseCategory.COPYLEFT),
    ("GPL-", LicenseCategory.COPYLEFT),
)
_CATEGORY_BY_ID = {
    **{key.casefold(): LicenseCategory.PERMISSIVE for key in _PERMISSIVE},
    **{key.casefold(): LicenseCategory.WEAK_COPYLEFT for key in _WEAK_COPYLEFT},
    **{key.casefold(): LicenseCategory.COPYLEFT for key in _COPYLEFT},
}
# Exceptions that let code link against a copyleft library without taking its license.
_LINKING_EXCEPTIONS = {
    key.casefold()
    for key in (
        "Classpath-exception-2.0",
        "GCC-exception-2.0",
        "GCC-exception-3.1",
        "LGPL-3.0-linking-exception",
        "Linux-syscall-note",
        "Universal-FOSS-exception-1.0",
    )
}

# Legacy spellings seen in npm, Composer and PyPI metadata that name exactly one license.
_ALIASES = {
    "apache 2": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "apache2": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache license version 2.0": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0",
    "asl 2.0": "Apache-2.0",
    "mit license": "MIT",
    "mit/x11": "MIT",
    "the mit license": "MIT",
    "expat": "MIT",
    "isc license": "ISC",
    "bsd 2-clause": "BSD-2-Clause",
    "simplified bsd": "BSD-2-Clause",
    "bsd-3": "BSD-3-Clause",
    "bsd 3-clause": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "mpl 2.0": "MPL-2.0",
    "mozilla public license 2.0": "MPL-2.0",
    "zlib license": "Zlib",
    "the unlicense": "Unlicense",
}
# Names of a family, not of one license.
_AMBIGUOUS = frozenset(
    {
        "apache",
        "apache license",
        "apache software license",
        "bsd",
        "bsd license",
        "bsd-style",
        "cc-by",
        "creative commons",
        "gnu gpl",
        "gnu lgpl",
        "lgpl",
        "mpl",
    }
)
_NO_LICENSE = {
    "unlicensed": "UNLICENSED: the package grants no license (npm's marker for private code)",
    "noassertion": "the package makes no assertion about its license",
    "none": "the package declares no license",
    "unknown": "the package declares its license as unknown",
}
# npm's form; "SEE LICENCE IN" is accepted by npm as well.
_SEE_LICENSE = ("see license in", "see licence in")


@dataclass(frozen=True, slots=True)
class _Leaf:
    key: str  # the SPDX id when known, else the text as declared
    exception: str | None = None
    spdx: bool = False  # an id SPDX knows (in the category table or not)
    why_unknown: str | None = None  # set when the text is not a license bastion can name


@dataclass(frozen=True, slots=True)
class _Op:
    op: Literal["AND", "OR"]
    args: tuple[_Leaf | _Op, ...]


_Node = _Leaf | _Op
_Verdict = bool | None


def parse_license_policy(value: Any) -> LicensePolicy:
    """The typed policy for a ``license.policy`` value; ValueError says what is wrong."""
    name = value.strip().lower().replace("-", "_") if isinstance(value, str) else None
    if name in (PolicyKind.PERMISSIVE, PolicyKind.COPYLEFT_OK):
        return LicensePolicy(PolicyKind(name))
    if not isinstance(value, dict):
        raise ValueError(
            f"must be permissive, copyleft_ok or a mapping of allow/block lists, not {value!r}"
        )
    unknown = sorted(str(key) for key in value if key not in ("allow", "block"))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; expected allow and/or block")
    allow = _policy_ids(value.get("allow"), "allow")
    block = _policy_ids(value.get("block"), "block")
    if not allow and not block:
        raise ValueError("an allow or a block list of SPDX ids is needed")
    both = sorted({key.casefold() for key in allow} & {key.casefold() for key in block})
    if both:
        raise ValueError(f"{', '.join(both)} both allowed and blocked")
    return LicensePolicy(PolicyKind.CUSTOM, allow, block)


def _policy_ids(value: Any, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{field} must be a list of SPDX license ids")
    ids: dict[str, None] = {}
    for item in value:
        node = _parse(item.strip())
        # A typo must not silently allow or block nothing; LicenseRef-* is the SPDX way
        # to name a license of one's own, so it is taken at its word.
        if isinstance(node, _Leaf) and (node.spdx or node.key.startswith("LicenseRef-")):
            ids[_leaf_text(node)] = None
        else:
            raise ValueError(f"{field}: {item!r} is not an SPDX license id")
    return tuple(ids)


def normalise_license(text: str) -> str:
    """The declared license as a normalised SPDX expression, or the text if it is none."""
    return _render(_parse(text.strip()))


def classify_license(text: str) -> LicenseCategory:
    return _category(_parse(text.strip()))[0]


def evaluate_licenses(
    dependencies: Iterable[Dependency], policy: LicensePolicy | None
) -> tuple[LicenseFinding, ...]:
    """One finding per dependency that declares a license, in the order given."""
    findings: list[LicenseFinding] = []
    for dep in dependencies:
        if dep.license is None or not dep.license.strip():
            continue
        expression, category, allowed, reason = _assess(dep.license.strip(), policy)
        findings.append(LicenseFinding(dep, expression, category, allowed, reason))
    return tuple(findings)


@functools.lru_cache(maxsize=4096)
def _assess(text: str, policy: LicensePolicy | None) -> tuple[str, LicenseCategory, _Verdict, str]:
    # Cached: a lockfile declares a handful of distinct licenses thousands of times.
    node = _parse(text)
    category, category_reasons = _category(node)
    if policy is None:
        return _render(node), category, None, "; ".join(category_reasons)
    allowed, reasons = _verdict(node, policy)
    return _render(node), category, allowed, "; ".join(reasons)


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> _Node:
    folded = " ".join(text.split()).casefold()
    if not folded:
        return _Leaf(text, why_unknown="no license text")
    if folded.startswith(_SEE_LICENSE):
        return _Leaf(text, why_unknown="the license is in a file of the package (SEE LICENSE IN)")
    # Whole-text lookups first: the common single id needs no parser, and legacy
    # spellings such as "MIT/X11" or "Apache License, Version 2.0" are no expressions.
    if folded in _known_lowercase() or folded in _ALIASES or folded in _AMBIGUOUS:
        return _symbol(text)
    if folded in _NO_LICENSE:
        return _Leaf(text, why_unknown=_NO_LICENSE[folded])
    try:
        expression = _licensing().parse(text, validate=False)
    except Exception:
        # Not only ExpressionError: on some malformed input ("(AND 0", "()") the parser
        # trips over its own assertions and indexes. Either way it is no expression.
        return _Leaf(text, why_unknown=f"{text} is not an SPDX license expression")
    if expression is None:
        return _Leaf(text, why_unknown="no license text")
    return _convert(expression)


@functools.cache
def _license_expression() -> Any:
    # Imported on first use (about 60 ms, plus the SPDX table): scans whose lockfiles
    # declare no licenses never pay for it. The package ships no type information.
    import license_expression  # type: ignore[import-untyped]  # noqa: PLC0415

    return license_expression


@functools.cache
def _licensing() -> Any:
    return _license_expression().get_spdx_licensing()


def _convert(expression: Any) -> _Node:
    module = _license_expression()
    if isinstance(expression, module.AND | module.OR):
        op: Literal["AND", "OR"] = "AND" if isinstance(expression, module.AND) else "OR"
        args: list[_Node] = []
        for arg in expression.args:
            child = _convert(arg)
            # Flatten (a OR b) OR c: the parser nests, the meaning does not.
            if isinstance(child, _Op) and child.op == op:
                args.extend(child.args)
            else:
                args.append(child)
        return _Op(op, tuple(args))
    if isinstance(expression, module.LicenseWithExceptionSymbol):
        base = _symbol(str(expression.license_symbol.key))
        exception = str(expression.exception_symbol.key)
        return _Leaf(base.key, exception, base.spdx, base.why_unknown)
    if isinstance(expression, module.LicenseSymbol):
        return _symbol(str(expression.key))
    return _Leaf(str(expression), why_unknown=f"{expression} is not an SPDX license expression")


def _symbol(key: str) -> _Leaf:
    folded = " ".join(key.split()).casefold()
    known = _known_lowercase().get(folded)
    if known is not None:
        return _Leaf(known, spdx=True)
    if folded in _ALIASES:
        return _Leaf(_ALIASES[folded], spdx=True)
    if folded in _AMBIGUOUS:
        return _Leaf(key, why_unknown=f"{key} names a family of licenses, not one")
    if folded in _NO_LICENSE:
        return _Leaf(key, why_unknown=_NO_LICENSE[folded])
    if key.startswith("LicenseRef-"):
        return _Leaf(key, why_unknown=f"{key} is a license of the package's own")
    return _Leaf(key, why_unknown=f"{key} is not an SPDX license id")


@functools.cache
def _known_lowercase() -> dict[str, str]:
    """SPDX ids and their deprecated aliases, by lowercase spelling, to the current id."""
    table: dict[str, str] = {}
    for symbol in _licensing().known_symbols.values():
        if symbol.is_exception:
            continue
        for name in (symbol.key, *symbol.aliases):
            if not str(name).startswith("LicenseRef-"):
                table.setdefault(str(name).casefold(), str(symbol.key))
    return table


def _render(node: _Node) -> str:
    if isinstance(node, _Leaf):
        return _leaf_text(node)
    parts = []
    for arg in node.args:
        text = _render(arg)
        parts.append(f"({text})" if isinstance(arg, _Op) else text)
    return f" {node.op} ".join(parts)


def _leaf_text(leaf: _Leaf) -> str:
    return f"{leaf.key} WITH {leaf.exception}" if leaf.exception else leaf.key


def _leaf_category(leaf: _Leaf) -> LicenseCategory:
    if not leaf.spdx:
        return LicenseCategory.UNKNOWN
    folded = leaf.key.casefold()
    category = _CATEGORY_BY_ID.get(folded)
    if category is None:
        category = next(
            (cat for prefix, cat in _FAMILIES if folded.startswith(prefix.casefold())),
            LicenseCategory.UNKNOWN,
        )
    if (
        category is LicenseCategory.COPYLEFT
        and leaf.exception
        and leaf.exception.casefold() in _LINKING_EXCEPTIONS
    ):
        return LicenseCategory.WEAK_COPYLEFT
    return category


def _leaf_reason(leaf: _Leaf, category: LicenseCategory) -> str:
    if leaf.why_unknown:
        return leaf.why_unknown
    if category is LicenseCategory.UNKNOWN:
        return f"{_leaf_text(leaf)} is not in bastion's license table"
    return f"{_leaf_text(leaf)} is {category.label}"


def _category(node: _Node) -> tuple[LicenseCategory, list[str]]:
    """The category and the reasons of the parts that decided it."""
    if isinstance(node, _Leaf):
        category = _leaf_category(node)
        return category, [_leaf_reason(node, category)]
    results = [_category(arg) for arg in node.args]
    if node.op == "OR":
        category, reasons = min(results, key=lambda result: _RANK[result[0]])
    else:
        category = max((c for c, _ in results), key=_RANK.__getitem__)
        reasons = [reason for c, rs in results if c is category for reason in rs]
    return category, list(dict.fromkeys(reasons))


def _verdict(node: _Node, policy: LicensePolicy) -> tuple[_Verdict, list[str]]:
    if isinstance(node, _Leaf):
        return _leaf_verdict(node, policy)
    results = [_verdict(arg, policy) for arg in node.args]
    # OR: one allowed option suffices. AND: one disallowed part sinks it. Otherwise an
    # open part leaves the answer open.
    order: tuple[_Verdict, ...] = (True, None, False) if node.op == "OR" else (False, None, True)
    for outcome in order:
        matching = [reasons for verdict, reasons in results if verdict is outcome]
        if matching:
            if node.op == "OR" and outcome is True:
                matching = matching[:1]  # the option the user would pick
            return outcome, list(dict.fromkeys(r for rs in matching for r in rs))
    raise AssertionError("an expression has at least one part")  # pragma: no cover


def _leaf_verdict(leaf: _Leaf, policy: LicensePolicy) -> tuple[_Verdict, list[str]]:
    category = _leaf_category(leaf)
    text = _leaf_text(leaf)
    match policy.kind:
        case PolicyKind.PERMISSIVE | PolicyKind.COPYLEFT_OK:
            if category is LicenseCategory.UNKNOWN:
                return None, [f"{_leaf_reason(leaf, category)}; review it"]
            if category is LicenseCategory.PERMISSIVE or policy.kind is PolicyKind.COPYLEFT_OK:
                return True, [_leaf_reason(leaf, category)]
            return False, [
                f"{text} is {category.label}; the permissive policy allows only permissive licenses"
            ]
        case PolicyKind.CUSTOM:
            names = {text.casefold(), leaf.key.casefold()}
            if names & {key.casefold() for key in policy.block}:
                return False, [f"{text} is on the block list"]
            if names & {key.casefold() for key in policy.allow}:
                return True, [f"{text} is on the allow list"]
            if not leaf.spdx:
                return None, [f"{_leaf_reason(leaf, category)}; review it"]
            if policy.allow:
                return False, [f"{text} is not on the allow list"]
            return True, [f"{text} is not on the block list"]


def any_of(parts: Iterable[str]) -> str | None:
    """One expression for a list of licenses to choose from, as Composer's ``license``
    array and npm's legacy ``licenses`` array mean; None for an empty list."""
    cleaned = [" ".join(part.split()) for part in parts]
    cleaned = list(dict.fromkeys(part for part in cleaned if part))
    if len(cleaned) <= 1:
        return cleaned[0] if cleaned else None
    # Parenthesise anything with a space so "A AND B" stays one option.
    return " OR ".join(f"({part})" if " " in part else part for part in cleaned)

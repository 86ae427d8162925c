"""Packagist versions: Composer's ``VersionParser::normalize``, then PHP's ``version_compare``.

Composer normalises before it compares: a leading ``v`` goes, the release is padded to
four numbers (``1.0`` -> ``1.0.0.0``), stability suffixes are spelled out (``b2`` ->
``-beta2``, ``RC1``/``rc1`` -> ``-RC1``, ``p1``/``pl1`` -> ``-patch1``), build metadata
(``+foo``), ``@stability`` flags and `` as `` aliases are dropped, and ``1.x-dev`` becomes
``1.9999999.9999999.9999999-dev``. Date versions (``2010-01-02``) become dotted numbers.

``version_compare`` then splits the string at ``.``/``-``/``_``/``+`` and at digit/letter
transitions and compares the parts: numbers numerically, words by their special-form
rank ``any other word < dev < alpha = a < beta = b < RC = rc < (number) < pl = p`` (a word
matches a form when it starts with it, which is why ``patch`` ranks as ``p``). When one
version runs out, the other is newer if its next part is a number or ``pl``/``p`` and
older if it is a word ranked below numbers, so ``1.0.0-beta2 < 1.0.0 < 1.0.0-p1``
and ``1.0.0RC1 < 1.0.0``.

Branches (``dev-master``, ``dev-feature/x``; ``master``/``trunk``/``default``) cannot be
ordered against releases (Composer's constraint code refuses to); they get their own
region below all numbered versions, ordered by name, so that equality and sorting still work.

Fallback (``exact=False``): a string Composer refuses to normalise is compared with plain
``version_compare`` on the raw string, in the same region as normalised versions; PHP
accepts any string there. Differences from PHP: numbers are not limited to a C ``long``,
and a version starting with ``#`` is canonicalised like any other.
"""

from __future__ import annotations

import re
from typing import Final

from bastion.versions.base import VersionKey, parse_int

_BRANCH_REGION: Final = 1
_VERSION_REGION: Final = 2

_MODIFIER: Final = r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?"
# re.ASCII: PCRE's \d and \s (without the /u flag Composer does not use) are ASCII-only.
_CLASSICAL: Final = re.compile(
    r"v?(\d{1,5}+)(\.\d++)?(\.\d++)?(\.\d++)?" + _MODIFIER, re.I | re.ASCII
)
_DATE: Final = re.compile(
    r"v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})" + _MODIFIER, re.I | re.ASCII
)
_ALIAS: Final = re.compile(r"([^,\s]++) ++as ++[^,\s]++", re.ASCII)
_STABILITY_FLAG: Final = re.compile(r"@(?:stable|RC|beta|alpha|dev)$", re.I)
_BUILD: Final = re.compile(r"([^,\s+]++)\+[^\s]++", re.ASCII)
_DEV_SUFFIX: Final = re.compile(r"(.*?)[.-]?dev", re.I)
_BRANCH: Final = re.compile(
    r"v?(\d++)(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?", re.I | re.ASCII
)
_NON_DIGITS: Final = re.compile(r"\D", re.ASCII)

_STABILITIES: Final = {"a": "alpha", "b": "beta", "p": "patch", "pl": "patch", "rc": "RC"}

# compare_special_version_forms: a word takes the rank of the first form it starts with.
_SPECIAL_FORMS: Final = (
    ("dev", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("RC", 3),
    ("rc", 3),
    ("#", 4),
    ("pl", 5),
    ("p", 5),
)
_UNKNOWN_FORM: Final = -6
_NUMBER_FORM: Final = 4
# When one side runs out, PHP compares the other side's next part against a number.
_END: Final = (_NUMBER_FORM, -1)

_SPECIAL_VER: Final = frozenset("-_+")


def _expand_stability(stability: str) -> str:
    lowered = stability.lower()
    return _STABILITIES.get(lowered, lowered)


def _normalize_branch(name: str) -> str:
    match = _BRANCH.fullmatch(name.strip())
    if match is None:
        return "dev-" + name
    parts = [match[1]]
    parts.extend(
        (group.replace("*", "x").replace("X", "x") if group is not None else ".x")
        for group in match.groups()[1:]
    )
    return "".join(parts).replace("x", "9999999") + "-dev"


def normalize(version: str) -> str | None:
    """Composer's ``VersionParser::normalize``; None where Composer throws."""
    text = version.strip()
    if match := _ALIAS.fullmatch(text):
        text = match[1]
    if match := _STABILITY_FLAG.search(text):
        text = text[: match.start()]
    if text in ("master", "trunk", "default"):
        text = "dev-" + text
    if text[:4].lower() == "dev-":
        return "dev-" + text[4:]
    if match := _BUILD.fullmatch(text):
        text = match[1]

    normalized: str | None = None
    index = 0
    if match := _CLASSICAL.fullmatch(text):
        normalized = match[1] + "".join(g if g else ".0" for g in match.groups()[1:4])
        index = 5
    elif match := _DATE.fullmatch(text):
        normalized = _NON_DIGITS.sub(".", match[1])
        index = 2
    if match is not None and normalized is not None:
        stability = match[index]
        if stability:
            if stability == "stable":
                return normalized
            number = match[index + 1] or ""
            normalized += "-" + _expand_stability(stability) + number.lstrip(".-")
        if match[index + 2]:
            normalized += "-dev"
        return normalized

    if match := _DEV_SUFFIX.fullmatch(text):
        branch = _normalize_branch(match[1])
        if "dev-" not in branch:
            return branch
    return None


def canonicalize(version: str) -> str:
    """PHP's ``php_canonicalize_version``: separators to ``.``, dots at digit transitions."""
    if not version:
        return version
    out = [version[0]]
    previous = version[0]
    for char in version[1:]:
        last = out[-1]
        prev_digit = previous.isascii() and previous.isdigit()
        char_digit = char.isascii() and char.isdigit()
        if char in _SPECIAL_VER:
            if last != ".":
                out.append(".")
        elif prev_digit != char_digit and previous != "." and char != ".":
            if last != ".":
                out.append(".")
            out.append(char)
        elif not (char.isascii() and char.isalnum()):
            if last != ".":
                out.append(".")
        else:
            out.append(char)
        previous = char
    return "".join(out)


def _form(part: str) -> int:
    for name, rank in _SPECIAL_FORMS:
        if part.startswith(name):
            return rank
    return _UNKNOWN_FORM


def version_compare_key(version: str) -> tuple[tuple[int, int], ...]:
    """A tuple whose order is PHP's ``version_compare`` order."""
    if not version:
        return ()  # PHP: the empty string is older than anything else
    key: list[tuple[int, int]] = []
    for part in canonicalize(version).split("."):
        if part[:1].isascii() and part[:1].isdigit():
            # strtol: the leading digits only.
            digits = len(part) - len(part.lstrip("0123456789"))
            key.append((_NUMBER_FORM, parse_int(part[:digits])))
        else:
            # Includes the empty part a trailing or doubled separator leaves, which PHP
            # also treats as an unknown word.
            key.append((_form(part), 0))
    key.append(_END)
    return tuple(key)


class PackagistScheme:
    def parse(self, version: str) -> VersionKey:
        normalized = normalize(version)
        if normalized is None:
            return VersionKey((_VERSION_REGION, version_compare_key(version.strip())), False)
        if normalized.startswith("dev-"):
            return VersionKey((_BRANCH_REGION, normalized[4:]))
        return VersionKey((_VERSION_REGION, version_compare_key(normalized)))


PACKAGIST: Final = PackagistScheme()

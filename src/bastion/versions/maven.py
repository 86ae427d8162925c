"""Maven versions: ``org.apache.maven.artifact.versioning.ComparableVersion`` (Maven 3.9).

Parsing (case-insensitive):

* ``.`` and ``-`` separate items, and so does every transition between digits and
  letters; ``-`` and a digit/letter transition open a nested sub-list, as does a
  qualifier at the very end (3.9's "treat ``.X`` as ``-X``", MNG-7644), so
  ``1.0-beta-2`` is ``[1, 0, [beta, [2]]]``.
* Qualifiers are ordered ``alpha < beta < milestone < rc = cr < snapshot < "" = ga =
  final = release < sp``, and unknown qualifiers sort after those, alphabetically.
  ``a``, ``b`` and ``m`` directly followed by a digit mean alpha, beta and milestone.
* Trailing "null" items (``0``, ``""``/``ga``/``final``/``release``, empty sub-lists) are
  removed from every list, so ``1 == 1.0 == 1.0.0 == 1-ga == 1.0.RELEASE`` and
  ``5.2.20.RELEASE == 5.2.20``.
* Items compare as: number > sub-list > qualifier; numbers numerically (any size), qualifiers by
  the order above; a missing item compares like ``0``/``""``, so ``1.0-SNAPSHOT < 1.0
  < 1.0-1 < 1.0.1`` and ``2.13.2 < 2.13.2.1``.

Every string is a valid Maven version, so there is no fallback region and keys are always
exact. Only ASCII digits count as digits (Maven 4 behaviour; 3.9 also accepted other
scripts' digits).

The key: ``ComparableVersion`` is not a total order on every input. A missing item is equal
both to ``0`` and to ``""``, which differ from each other, and a sub-list loses against a
number but a missing item does not; for example 3.9 reports ``1-alpha < 1 < 1.sp.1`` yet
``1-alpha > 1.sp.1``. A tuple key has to pick one consistent order. It follows Maven
exactly whenever Maven is consistent, and where it is not it keeps what each item says
about the padding ("is this more or less than the version without it?"): items are ranked

    qualifier<"" < ""->less < sub-list<"" < 0->less < END < ""->more < qualifier>""
    < sub-list>"" < 0->more < number>0

where ``x<""`` means "sorts below a missing item" and ``0->less``/``""->more`` are null
items ranked by the first non-null item after them in the same list (which decides the
comparison against a shorter version). ``END`` marks the end of every list and plays the
missing item.
"""

from __future__ import annotations

from typing import Final

from bastion.versions.base import VersionKey, is_ascii_digits, parse_int

Item = int | str | list["Item"]
Encoded = tuple[tuple[object, ...], ...]

_QUALIFIER_ORDER: Final = {
    q: str(i) for i, q in enumerate(("alpha", "beta", "milestone", "rc", "snapshot", "", "sp"))
}
_RELEASE: Final = _QUALIFIER_ORDER[""]
_ALIASES: Final = {"ga": "", "final": "", "release": "", "cr": "rc"}
_SHORTHANDS: Final = {"a": "alpha", "b": "beta", "m": "milestone"}

_QUALIFIER_NEG: Final = 10
_RELEASE_NEG: Final = 15
_LIST_NEG: Final = 20
_ZERO_NEG: Final = 30
_END: Final = (40,)
_RELEASE_POS: Final = 45
_QUALIFIER_POS: Final = 50
_LIST_POS: Final = 60
_ZERO_POS: Final = 70
_NUMBER: Final = 80
_REGION: Final = 1


def comparable_qualifier(qualifier: str, followed_by_digit: bool) -> str:
    """``StringItem``'s value as ``comparableQualifier`` sees it; compared lexically."""
    if followed_by_digit and len(qualifier) == 1:
        qualifier = _SHORTHANDS.get(qualifier, qualifier)
    qualifier = _ALIASES.get(qualifier, qualifier)
    order = _QUALIFIER_ORDER.get(qualifier)
    # Unknown qualifiers: "7-name", which sorts after every known index, then by name.
    return order if order is not None else f"{len(_QUALIFIER_ORDER)}-{qualifier}"


def _item(is_digit: bool, text: str) -> int | str:
    if is_digit and is_ascii_digits(text):
        return parse_int(text)
    return comparable_qualifier(text, followed_by_digit=False)


def _is_null(item: Item) -> bool:
    if isinstance(item, int):
        return item == 0
    if isinstance(item, str):
        return item == _RELEASE
    return not item


def _normalize(items: list[Item]) -> None:
    # Remove null items from the end, looking through trailing non-null sub-lists:
    # 1.0-1 == 1-1, but 1.0.1 keeps its zero.
    for index in range(len(items) - 1, -1, -1):
        item = items[index]
        if _is_null(item):
            del items[index]
        elif not isinstance(item, list):
            break


def parse_items(version: str) -> list[Item]:
    """Port of ``ComparableVersion.parseVersion`` (3.9.x)."""
    text = version.lower()
    items: list[Item] = []
    current = items
    stack = [items]
    is_digit = False
    start = 0

    def nest() -> None:
        nonlocal current
        sub: list[Item] = []
        current.append(sub)
        current = sub
        stack.append(sub)

    for index, char in enumerate(text):
        if char == ".":
            current.append(0 if index == start else _item(is_digit, text[start:index]))
            start = index + 1
        elif char == "-":
            current.append(0 if index == start else _item(is_digit, text[start:index]))
            start = index + 1
            nest()
        elif "0" <= char <= "9":
            if not is_digit and index > start:
                if current:  # 1.0.0.X1 < 1.0.0-X2: treat .X as -X
                    nest()
                current.append(comparable_qualifier(text[start:index], followed_by_digit=True))
                start = index
                nest()
            is_digit = True
        else:
            if is_digit and index > start:
                current.append(_item(True, text[start:index]))
                start = index
                nest()
            is_digit = False
    if len(text) > start:
        if not is_digit and current:
            nest()
        current.append(_item(is_digit, text[start:]))
    while stack:
        _normalize(stack.pop())
    return items


def _encode(items: list[Item]) -> tuple[Encoded, int]:
    """(tuple key of a list, the sign of comparing the list with a missing item)."""
    encoded: list[tuple[object, ...] | None] = []
    signs: list[int] = []
    for item in items:
        if isinstance(item, int):
            signs.append(1 if item else 0)
            encoded.append((_NUMBER, item) if item else None)
        elif isinstance(item, str):
            sign = (item > _RELEASE) - (item < _RELEASE)
            signs.append(sign)
            if sign:
                encoded.append((_QUALIFIER_POS if sign > 0 else _QUALIFIER_NEG, item))
            else:
                encoded.append(None)
        else:
            sub, sign = _encode(item)
            signs.append(sign)
            encoded.append((_LIST_POS if sign >= 0 else _LIST_NEG, sub))
    # Null items take their rank from the next non-null item of the same list.
    following = 0
    for index in range(len(items) - 1, -1, -1):
        if encoded[index] is None:
            item = items[index]
            if following == 0:
                pass  # an all-null tail: the same as the end of the list
            elif isinstance(item, int):
                encoded[index] = (_ZERO_POS if following > 0 else _ZERO_NEG,)
            else:
                encoded[index] = (_RELEASE_POS if following > 0 else _RELEASE_NEG,)
        if signs[index]:
            following = signs[index]
    result = (*(e for e in encoded if e is not None), _END)
    return result, following


class MavenScheme:
    def parse(self, version: str) -> VersionKey:
        encoded, _sign = _encode(parse_items(version.strip()))
        return VersionKey((_REGION, encoded))


MAVEN: Final = MavenScheme()

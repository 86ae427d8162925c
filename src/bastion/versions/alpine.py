"""Alpine versions: apk-tools' ``apk_version_compare`` (src/version.c, apk-tools 2.14/3.x).

Grammar: ``number{.number}...{letter}{_suffix{number}}...{~hash}{-rN}``, for example
``1.2.3b_rc2_p1-r4``.

* The first number compares numerically. Later dot-separated numbers compare numerically
  too, unless either side starts with ``0``: then apk compares the digit strings as text
  (Gentoo's rule for fractional parts), so ``1.05 < 1.5`` and ``8.2.0015 < 8.2.002``.
* One lower-case letter may follow the numbers (``1.2a < 1.2b``).
* Suffixes ``_alpha < _beta < _pre < _rc`` sort *before* the plain version,
  ``_cvs < _svn < _git < _hg < _p`` *after* it; each may carry a number.
* ``~hash`` (a commit hash, compared as text) and then ``-rN`` (the package revision:
  ``1.0 < 1.0-r1 < 1.0.1``).

apk walks both token streams in step. While the token kinds agree it compares values;
at the first disagreement a pre-release suffix loses, and otherwise the side whose token
comes earlier in the grammar wins: more numbers beat a letter, which beats a suffix, ...,
which beats the end, which beats an invalid tail. The key stores one ``(kind rank,
value)`` pair per token, so tuple order reproduces exactly that walk.

apk also orders strings it calls invalid (they end in an ``invalid`` token, and two
versions that turn invalid at the same point are equal). The same tokens are produced for
them here, so there is no separate fallback region; such keys get ``exact=False``. Numbers
are not limited to 64 bits.
"""

from __future__ import annotations

from typing import Final

from bastion.versions.base import VersionKey, parse_int

# Token kinds, numbered as in apk-tools; apk ranks a later kind as the smaller version.
_INITIAL_DIGIT: Final = 0
_DIGIT: Final = 1
_LETTER: Final = 2
_SUFFIX: Final = 3
_SUFFIX_NO: Final = 4
_COMMIT_HASH: Final = 5
_REVISION_NO: Final = 6
_END: Final = 7
_INVALID: Final = 8

_SUFFIX_NONE: Final = 5
_SUFFIXES: Final = {
    b"alpha": 1,
    b"beta": 2,
    b"pre": 3,
    b"rc": 4,
    b"cvs": 6,
    b"svn": 7,
    b"git": 8,
    b"hg": 9,
    b"p": 10,
}
# A pre-release suffix loses against whatever the other side has at that point.
_PRE_SUFFIX_RANK: Final = -100

_DIGITS: Final = frozenset(b"0123456789")
_LOWER: Final = frozenset(b"abcdefghijklmnopqrstuvwxyz")
_HEX: Final = frozenset(b"0123456789abcdefABCDEF")
_REGION: Final = 1

Token = tuple[object, ...]


def _span(data: bytes, pos: int, allowed: frozenset[int]) -> int:
    end = pos
    while end < len(data) and data[end] in allowed:
        end += 1
    return end


def apk_tokens(version: str) -> tuple[tuple[Token, ...], bool]:
    """Port of ``token_first``/``token_next``; returns (key tokens, apk-valid?)."""
    data = version.encode("utf-8", "surrogatepass")
    tokens: list[Token] = []
    pos = _span(data, 0, _DIGITS)
    kind = _INITIAL_DIGIT if pos else _INVALID
    if pos:
        tokens.append((-_INITIAL_DIGIT, parse_int(data[:pos].decode("ascii"))))
    while kind < _END:
        if pos >= len(data):
            kind = _END
            break
        char = data[pos]
        if char in _LOWER:
            if kind > _DIGIT:
                kind = _INVALID
                break
            kind = _LETTER
            tokens.append((-_LETTER, char))
            pos += 1
        elif char == ord(".") or char in _DIGITS:
            if char == ord("."):
                if kind > _DIGIT:
                    kind = _INVALID
                    break
                pos += 1
            if kind in (_INITIAL_DIGIT, _DIGIT):
                kind = _DIGIT
            elif kind == _SUFFIX:
                kind = _SUFFIX_NO
            else:
                kind = _INVALID
                break
            end = _span(data, pos, _DIGITS)
            if end == pos:
                kind = _INVALID
                break
            digits = data[pos:end].decode("ascii")
            pos = end
            if kind == _DIGIT:
                # token_cmp switches to a text comparison when either side has a leading
                # zero; tagging zero-led runs 0 and the rest 1 gives the same total order.
                value: object = (0, digits) if digits[0] == "0" else (1, parse_int(digits))
            else:
                value = parse_int(digits)
            tokens.append((-kind, value))
        elif char == ord("_"):
            if kind > _SUFFIX_NO:
                kind = _INVALID
                break
            end = _span(data, pos + 1, _LOWER)
            suffix = _SUFFIXES.get(data[pos + 1 : end])
            if suffix is None:
                kind = _INVALID
                break
            pos = end
            kind = _SUFFIX
            rank = _PRE_SUFFIX_RANK if suffix < _SUFFIX_NONE else -_SUFFIX
            tokens.append((rank, suffix))
        elif char == ord("~"):
            end = _span(data, pos + 1, _HEX)
            if kind >= _COMMIT_HASH or end == pos + 1:
                kind = _INVALID
                break
            kind = _COMMIT_HASH
            tokens.append((-_COMMIT_HASH, data[pos + 1 : end].decode("ascii")))
            pos = end
        elif char == ord("-"):
            if kind >= _REVISION_NO or data[pos + 1 : pos + 2] != b"r":
                kind = _INVALID
                break
            end = _span(data, pos + 2, _DIGITS)
            if end == pos + 2:
                kind = _INVALID
                break
            kind = _REVISION_NO
            tokens.append((-_REVISION_NO, parse_int(data[pos + 2 : end].decode("ascii"))))
            pos = end
        else:
            kind = _INVALID
            break
    tokens.append((-kind,))
    return tuple(tokens), kind == _END


class AlpineScheme:
    def parse(self, version: str) -> VersionKey:
        tokens, valid = apk_tokens(version.strip())
        return VersionKey((_REGION, tokens), valid)


ALPINE: Final = AlpineScheme()

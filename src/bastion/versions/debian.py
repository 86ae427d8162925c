"""Debian versions: dpkg's ``[epoch:]upstream[-revision]`` ordering (``verrevcmp``).

* The epoch (digits before the first ``:``, default 0) dominates.
* Upstream version and revision (after the *last* ``-``) are each compared with the
  same algorithm: alternate between a run of non-digits and a run of digits. Non-digit
  runs compare character by character with letters before other symbols and ``~``
  before everything, *including the end of the run*, so ``1.0~rc1 < 1.0 < 1.0+dfsg``.
  Digit runs compare numerically (an empty run is 0).

The comparison works on any string, so there is no separate fallback region: strings dpkg
would reject (non-numeric epoch, empty upstream, upstream not starting with a digit,
characters outside ``[A-Za-z0-9.+~-:]``) are still ordered by the same algorithm, with
a non-numeric "epoch" kept as part of the upstream version, and get ``exact=False``.
dpkg compares bytes; so does this (UTF-8), with non-ASCII bytes ordered like other symbols.

Key encoding: each (non-digit run, number) pair becomes ``(order values..., 0), number``;
the ``0`` stands for "a digit or the end comes next", which is exactly how dpkg compares a
run against a shorter one. Trailing pairs equal to the padding pair are dropped and one
padding pair is appended, so running out of characters behaves like dpkg's padding.
"""

from __future__ import annotations

import re
from typing import Final

from bastion.versions.base import VersionKey, parse_int

_DIGITS: Final = frozenset(b"0123456789")
_LETTERS: Final = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_TILDE: Final = ord("~")
_PAD: Final = ((0,), 0)
_REGION: Final = 1

_VALID_UPSTREAM: Final = re.compile(r"[0-9][A-Za-z0-9.+~:-]*")
_VALID_UPSTREAM_NO_COLON: Final = re.compile(r"[0-9][A-Za-z0-9.+~-]*")
_VALID_REVISION: Final = re.compile(r"[A-Za-z0-9.+~]+")

Pair = tuple[tuple[int, ...], int]


def _order(byte: int) -> int:
    if byte in _LETTERS:
        return byte
    if byte == _TILDE:
        return -1
    return byte + 256


def verrevcmp_key(part: str) -> tuple[Pair, ...]:
    data = part.encode("utf-8", "surrogatepass")
    length = len(data)
    pairs: list[Pair] = []
    i = 0
    while i < length:
        j = i
        while j < length and data[j] not in _DIGITS:
            j += 1
        run = (*(_order(b) for b in data[i:j]), 0)
        k = j
        while k < length and data[k] in _DIGITS:
            k += 1
        pairs.append((run, parse_int(data[j:k].decode("ascii")) if k > j else 0))
        i = k
    while pairs and pairs[-1] == _PAD:
        pairs.pop()
    pairs.append(_PAD)
    return tuple(pairs)


class DebianScheme:
    def parse(self, version: str) -> VersionKey:
        text = version.strip()
        epoch = 0
        has_epoch = False
        head, colon, rest = text.partition(":")
        if colon and head.isascii() and head.isdigit():
            epoch, text, has_epoch = parse_int(head), rest, True
        upstream, dash, revision = text.rpartition("-")
        if not dash:
            upstream, revision = text, ""
        valid_upstream = _VALID_UPSTREAM if has_epoch else _VALID_UPSTREAM_NO_COLON
        exact = (
            (not colon or has_epoch)
            and valid_upstream.fullmatch(upstream) is not None
            and (not dash or _VALID_REVISION.fullmatch(revision) is not None)
        )
        return VersionKey((_REGION, epoch, verrevcmp_key(upstream), verrevcmp_key(revision)), exact)


DEBIAN: Final = DebianScheme()

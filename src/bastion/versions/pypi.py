"""PyPI versions: PEP 440 ordering via ``packaging.version.Version``.

The key mirrors ``packaging``'s own comparison key (epoch, release without trailing
zeros, pre, post, dev, local) but with tagged ints instead of its ``Infinity`` sentinels,
so it can be cached and compared with plain tuple ordering. Notable PEP 440 rules it
inherits: ``1.0.dev0 < 1.0a0 < 1.0b0 < 1.0rc0 < 1.0 < 1.0.post0``, ``1.0 == 1.0.0``,
epochs dominate (``1!0.1 > 2.0``), and a local version sorts after the public version it
labels (``1.0+local > 1.0``). Normalised spellings (``1.0-RC1``, ``v1.0``, ``1.0.alpha``)
are accepted because ``packaging`` accepts them.

Fallback (``exact=False``): strings that are not PEP 440 (``0.9-doduo``,
``2004d``, ``1.0.0-SNAPSHOT`` ...) are ordered the way setuptools' ``LegacyVersion`` did
before ``packaging`` 22 removed it: **below every valid version**, and among themselves
by its token rules (``pre``/``preview``/``rc`` -> ``c``, ``dev`` -> ``@``, ``-`` ->
``final-``, numbers padded, trailing zeros dropped). One deliberate fix: ``LegacyVersion``
compared numbers as zero-padded 8-character strings, which mis-orders numbers of nine or
more digits; here they compare numerically.
"""

from __future__ import annotations

import re
from typing import Final

from packaging.version import Version

from bastion.versions.base import VersionKey, is_ascii_digits, parse_int, strip_trailing_zeros

_LEGACY_REGION: Final = 1
_PEP440_REGION: Final = 2

_PRE_NONE_WITH_DEV_ONLY: Final = (0,)  # 1.0.dev0 sorts before 1.0a0
_PRE_NONE: Final = (2,)
_POST_NONE: Final = (0,)
_DEV_NONE: Final = (2,)
_LOCAL_NONE: Final = (0,)

_LEGACY_TOKENS: Final = re.compile(r"(\d+|[a-z]+|\.|-)")
_LEGACY_REPLACEMENTS: Final = {"pre": "c", "preview": "c", "-": "final-", "rc": "c", "dev": "@"}
_LOCAL_SEPARATORS: Final = re.compile(r"[._-]")

LegacyPart = tuple[int, int] | tuple[int, str]

_LEGACY_ZERO: Final = (1, 0)
_LEGACY_FINAL_DASH: Final = (0, "final-")


def _local_key(local: str | None) -> tuple[object, ...]:
    if local is None:
        return _LOCAL_NONE
    parts: list[LegacyPart] = []
    for part in _LOCAL_SEPARATORS.split(local):
        # PEP 440: numeric local segments compare numerically and above alphanumeric ones.
        parts.append((1, parse_int(part)) if is_ascii_digits(part) else (0, part.lower()))
    return (1, *parts)


def _pep440_key(version: Version) -> tuple[object, ...]:
    pre, post, dev = version.pre, version.post, version.dev
    if pre is None and post is None and dev is not None:
        pre_key: tuple[object, ...] = _PRE_NONE_WITH_DEV_ONLY
    elif pre is None:
        pre_key = _PRE_NONE
    else:
        pre_key = (1, pre[0], pre[1])  # "a" < "b" < "rc" lexically, as PEP 440 wants
    return (
        _PEP440_REGION,
        version.epoch,
        strip_trailing_zeros(list(version.release)),
        pre_key,
        _POST_NONE if post is None else (1, post),
        _DEV_NONE if dev is None else (1, dev),
        _local_key(version.local),
    )


def _legacy_parts(version: str) -> list[LegacyPart]:
    # Port of packaging<22 ``_legacy_cmpkey``. Strings are tagged 0 and numbers 1, which
    # keeps LegacyVersion's "letters before digits" (it prefixed words with '*', which
    # sorts below '0'), while comparing numbers as numbers.
    parts: list[LegacyPart] = []
    tokens = [
        _LEGACY_REPLACEMENTS.get(token, token) for token in _LEGACY_TOKENS.split(version.lower())
    ]
    tokens.append("final")  # so alpha/beta/candidate sort before the final release
    for token in tokens:
        if not token or token == ".":
            continue
        part: LegacyPart = (1, parse_int(token)) if "0" <= token[0] <= "9" else (0, token)
        if part[0] == 0:
            if token < "final":
                # Drop "-" before a pre-release tag: 1.0-rc1 == 1.0rc1.
                while parts and parts[-1] == _LEGACY_FINAL_DASH:
                    parts.pop()
            while parts and parts[-1] == _LEGACY_ZERO:
                parts.pop()
        parts.append(part)
    return parts


class PyPIScheme:
    def parse(self, version: str) -> VersionKey:
        try:
            parsed = Version(version)
        except ValueError:  # InvalidVersion, or int() refusing a 4300+ digit component
            return VersionKey((_LEGACY_REGION, tuple(_legacy_parts(version))), exact=False)
        return VersionKey(_pep440_key(parsed))


PYPI: Final = PyPIScheme()

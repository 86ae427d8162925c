"""The shared vocabulary of the version schemes: :class:`VersionKey` and :class:`VersionScheme`.

Every scheme turns a version string into a plain tuple whose built-in ordering *is* the
ecosystem's ordering. Matching compares the same few hundred versions against each other
over and over, so parsing happens once (the keys are cached by the caller) and every later
comparison is a C-level tuple comparison with no Python code on the path.

Key layout convention, shared by all schemes so that keys of one ecosystem are always
mutually comparable: ``key[0]`` is a small int *region*. Region :data:`FALLBACK_REGION`
(0) holds keys produced by :func:`bastion.versions.fallback.generic_tuple` for strings the
scheme could not make sense of; it sorts below every region a scheme uses for real
versions. Within a region, every position of the tuple holds values of one type (or tuples
whose first element is a type tag), so comparing two keys never raises ``TypeError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

FALLBACK_REGION: Final = 0

# CPython refuses int(str) above 4300 digits (CVE-2020-10735 mitigation); versions come
# from untrusted manifests, so convert long digit runs in chunks instead of raising.
_INT_CHUNK: Final = 4000

ASCII_DIGITS: Final = frozenset("0123456789")


def parse_int(digits: str) -> int:
    """Convert a run of ASCII digits of any length to an int."""
    if len(digits) <= _INT_CHUNK:
        return int(digits)
    value = 0
    for start in range(0, len(digits), _INT_CHUNK):
        chunk = digits[start : start + _INT_CHUNK]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


def is_ascii_digits(text: str) -> bool:
    """``str.isdigit`` also accepts superscripts and other scripts' digits, which int() rejects."""
    return text.isascii() and text.isdigit()


def strip_trailing_zeros(numbers: list[int]) -> tuple[int, ...]:
    """Most schemes treat ``1.0.0`` and ``1`` as the same release."""
    end = len(numbers)
    while end and numbers[end - 1] == 0:
        end -= 1
    return tuple(numbers[:end])


@dataclass(frozen=True, slots=True, eq=False)
class VersionKey:
    """A parsed version: ``key`` carries the ordering, ``exact`` says how much to trust it.

    Only ``key`` takes part in comparison, equality and hashing, so two spellings of the
    same version (``1.0`` and ``1.0.0`` in most ecosystems) are equal keys. ``exact`` is
    False when the string did not parse under the ecosystem's rules and a documented
    fallback rule produced the key; callers may want to report such matches as uncertain.

    Keys are only comparable with keys of the same ecosystem (or both from
    :func:`bastion.versions.semver_key`).
    """

    key: tuple[object, ...]
    exact: bool = True

    # Hand-written rather than dataclass(order=True): the generated methods build a
    # one-element tuple per call, and these run millions of times during matching.
    def __lt__(self, other: VersionKey) -> bool:
        return self.key < other.key

    def __le__(self, other: VersionKey) -> bool:
        return self.key <= other.key

    def __gt__(self, other: VersionKey) -> bool:
        return self.key > other.key

    def __ge__(self, other: VersionKey) -> bool:
        return self.key >= other.key

    def __eq__(self, other: object) -> bool:
        if isinstance(other, VersionKey):
            return self.key == other.key
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.key)


class VersionScheme(Protocol):
    """One ecosystem's ordering rules. ``parse`` must never raise, whatever the input."""

    def parse(self, version: str) -> VersionKey: ...

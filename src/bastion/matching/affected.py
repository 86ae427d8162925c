"""Does one OSV ``affected[]`` entry cover one installed version? A pure function.

Semantics follow the OSV schema's evaluation algorithm: within a range, events are sorted
by version (``introduced: "0"`` lowest, and at equal versions ``introduced`` before the
events that close), ``introduced`` opens, ``fixed`` and ``limit`` close before their
version, ``last_affected`` closes after it. Several ranges and the explicit ``versions``
list are alternatives. ``GIT`` ranges describe commits, not releases, so they never decide
a package-version match (OSV exports also enumerate the affected tags in ``versions``,
which we do use).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bastion.ecosystems import Ecosystem
from bastion.models import AffectedImport
from bastion.versions import VersionKey, semver_key, version_key

_OPENS = "introduced"
_CLOSES = ("fixed", "last_affected", "limit")
# At equal versions "introduced" must be seen first: {introduced: 1.0, fixed: 1.0} is empty.
_EVENT_ORDER = {"introduced": 0, "fixed": 1, "limit": 1, "last_affected": 2}


@dataclass(frozen=True, slots=True)
class AffectedMatch:
    affected: bool
    # A version on either side did not parse under the ecosystem's rules.
    approximate: bool
    # Lowest ``fixed`` event above the installed version, as written in the record.
    fixed_version: str | None
    # Human text for the affected ranges, e.g. ">=0, <4.17.21".
    ranges_text: str
    # ecosystem_specific.imports of the entry (Go): vulnerable packages and symbols.
    imports: tuple[AffectedImport, ...] = ()


NOT_AFFECTED = AffectedMatch(False, False, None, "")

KeyFn = Callable[[str], VersionKey]


def _key_function(range_type: str, ecosystem: Ecosystem) -> KeyFn | None:
    if range_type == "SEMVER":
        return semver_key
    if range_type == "ECOSYSTEM":
        return lambda v: version_key(ecosystem, v)
    return None  # GIT and unknown types


@dataclass(frozen=True, slots=True)
class _Event:
    kind: str
    version: str
    key: VersionKey | None  # None for introduced "0" (below everything)

    def sort_key(self) -> tuple[int, Any, int]:
        if self.key is None:
            return (0, (), _EVENT_ORDER[self.kind])
        return (1, self.key.key, _EVENT_ORDER[self.kind])


def _events(rng: Mapping[str, Any], key_fn: KeyFn) -> list[_Event]:
    events: list[_Event] = []
    for raw in rng.get("events") or ():
        if not isinstance(raw, Mapping):
            continue
        for kind, version in raw.items():
            if kind not in _EVENT_ORDER or not isinstance(version, str):
                continue
            if kind == "limit" and version == "*":
                continue  # "no limit"
            zero = kind == _OPENS and version == "0"
            events.append(_Event(kind, version, None if zero else key_fn(version)))
    if events and not any(e.kind == _OPENS for e in events):
        # OSV requires an "introduced"; a range with only closing events is read as
        # starting from the beginning, the only reading that makes the closes meaningful.
        events.append(_Event(_OPENS, "0", None))
    events.sort(key=_Event.sort_key)
    return events


def _range_affects(events: Sequence[_Event], installed: VersionKey) -> bool:
    affected = False
    for event in events:
        if event.kind == _OPENS:
            if event.key is None or installed.key >= event.key.key:
                affected = True
        elif event.key is not None:
            if event.kind == "last_affected":
                if installed.key > event.key.key:
                    affected = False
            elif installed.key >= event.key.key:
                affected = False
    return affected


def _describe(events: Sequence[_Event]) -> list[str]:
    parts: list[str] = []
    lower: str | None = None
    for event in events:
        if event.kind == _OPENS:
            if lower is None:
                lower = event.version
        elif lower is not None:
            op = "<=" if event.kind == "last_affected" else "<"
            parts.append(f">={lower}, {op}{event.version}")
            lower = None
    if lower is not None:
        parts.append(f">={lower}")
    return parts


def match_affected(entry: Mapping[str, Any], ecosystem: Ecosystem, version: str) -> AffectedMatch:
    """Evaluate one ``affected[]`` entry (its package already matched) for ``version``.

    Never raises: a malformed entry simply does not match.
    """
    try:
        return _match(entry, ecosystem, version)
    except (TypeError, ValueError, AttributeError):
        return NOT_AFFECTED


def _match(entry: Mapping[str, Any], ecosystem: Ecosystem, version: str) -> AffectedMatch:
    installed_eco = version_key(ecosystem, version)
    approximate = not installed_eco.exact
    affected = False
    descriptions: list[str] = []

    listed = entry.get("versions") or ()
    if version in listed:
        affected = True
    elif listed and installed_eco.exact:
        for candidate in listed:
            candidate_key = version_key(ecosystem, candidate)
            if candidate_key.exact and candidate_key.key == installed_eco.key:
                affected = True
                break

    ranges: list[tuple[KeyFn, list[_Event]]] = []
    for rng in entry.get("ranges") or ():
        if not isinstance(rng, Mapping):
            continue
        key_fn = _key_function(str(rng.get("type", "")), ecosystem)
        if key_fn is None:
            continue
        events = _events(rng, key_fn)
        if not events:
            continue
        ranges.append((key_fn, events))
        descriptions.extend(_describe(events))
        installed = key_fn(version)
        if _range_affects(events, installed):
            affected = True
            approximate = approximate or not installed.exact
            approximate = approximate or any(e.key is not None and not e.key.exact for e in events)

    if not affected:
        return NOT_AFFECTED
    if not descriptions and listed:
        shown = ", ".join(list(listed)[:5])
        more = f" and {len(listed) - 5} more" if len(listed) > 5 else ""
        descriptions.append(f"versions {shown}{more}")
    return AffectedMatch(
        True,
        approximate,
        _lowest_fix(ranges, version),
        " || ".join(descriptions),
        _imports(entry),
    )


def _imports(entry: Mapping[str, Any]) -> tuple[AffectedImport, ...]:
    specific = entry.get("ecosystem_specific")
    if not isinstance(specific, Mapping):
        return ()
    found: list[AffectedImport] = []
    for item in specific.get("imports") or ():
        if isinstance(item, Mapping) and isinstance(item.get("path"), str):
            symbols = item.get("symbols") or ()
            found.append(
                AffectedImport(item["path"], tuple(s for s in symbols if isinstance(s, str)))
            )
    return tuple(found)


def _lowest_fix(ranges: Sequence[tuple[KeyFn, list[_Event]]], version: str) -> str | None:
    """The lowest ``fixed`` version above ``version`` that no range of the entry still covers.

    Taking the plain minimum can name a release that another, overlapping range marks as
    affected; upgrading to it would not fix anything.
    """
    candidates: list[tuple[Any, str]] = []
    for key_fn, events in ranges:
        installed = key_fn(version)
        for event in events:
            if event.kind == "fixed" and event.key is not None and event.key.key > installed.key:
                candidates.append((event.key.key, event.version))
    # SEMVER and ECOSYSTEM keys side by side may not compare: keep record order then.
    with contextlib.suppress(TypeError):
        candidates.sort(key=lambda c: c[0])
    for _, candidate in candidates:
        if not any(_range_affects(events, key_fn(candidate)) for key_fn, events in ranges):
            return candidate
    return None

"""What the PyPI extractors share: the version rule, TOML loading and positions, graph walks.

The version rule (one place, so every format reports the same thing for the same text):

* one ``==``/``===`` clause without a wildcard is a pin: that version, exact;
* one ``>=``, ``~=`` (or Poetry's ``^``/``~``) clause is a lower bound and one ``<=`` an
  upper bound: that version, ``approximate=True``, with a note saying it is not a pin;
* anything else (no clause, ``!=``, ``>``, ``<``, several clauses, ``==1.*``) has no
  version.
"""

from __future__ import annotations

import re
import tomllib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.sca.extractors._graph import shortest_paths as graph_paths
from bastion.sca.extractors.base import ExtractionError

UNPINNED = "no pinned version"
LOWER_BOUND = "lower bound, not a pin"
UPPER_BOUND = "upper bound, not a pin"

_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")
_LEADING_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_NAME_KEY = re.compile(r"""\s*(?:name|"name"|'name')\s*=""")
# Poetry's constraint syntax for a single clause; "1.2" alone means "==1.2".
_POETRY_CLAUSE = re.compile(r"(\^|~=|~|===|==|=|>=|<=|!=|>|<)?\s*(v?[0-9][^\s,|]*)")


class Pin(NamedTuple):
    """What a declaration says about the version: see the module docstring."""

    version: str | None
    note: str | None
    approximate: bool = False


NO_PIN = Pin(None, UNPINNED)


def normalize(name: str) -> str:
    return normalize_package_name(Ecosystem.PYPI, name)


def pin_from_specifier(specifier: SpecifierSet) -> Pin:
    clauses = list(specifier)
    # ``===`` (arbitrary equality) accepts any string, the empty one too: no version.
    if len(clauses) != 1 or "*" in clauses[0].version or not clauses[0].version.strip():
        return NO_PIN
    operator, version = clauses[0].operator, clauses[0].version
    if operator in ("==", "==="):
        return Pin(version, None)
    if operator in (">=", "~="):
        return Pin(version, LOWER_BOUND, approximate=True)
    if operator == "<=":
        return Pin(version, UPPER_BOUND, approximate=True)
    return NO_PIN


def pin_from_poetry(constraint: str) -> Pin:
    """Poetry's ``"1.2"``, ``"^1.2"``, ``"~1.2"``, ``">=1.2,<2"``, ``"*"`` strings."""
    match = _POETRY_CLAUSE.fullmatch(constraint.strip())
    if match is None or "*" in match.group(2):
        return NO_PIN
    operator, version = match.group(1), match.group(2)
    if operator in (None, "=", "==", "==="):
        return Pin(version, None)
    if operator in ("^", "~", "~=", ">="):
        return Pin(version, LOWER_BOUND, approximate=True)
    if operator == "<=":
        return Pin(version, UPPER_BOUND, approximate=True)
    return NO_PIN


def short(text: str) -> str:
    # Long enough for a git URL with its commit hash.
    return text if len(text) <= 120 else text[:117] + "..."


def url_note(url: str) -> str:
    if url.startswith("file:"):
        return f"local path ({short(url)}), {UNPINNED}"
    return f"installed from a URL ({short(url)}), {UNPINNED}"


def parse_requirement(text: str) -> tuple[str, Pin] | None:
    """(name as written, pin) of a PEP 508 string; None when it names no package."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        name = _LEADING_NAME.match(text.strip())
        if name is None:
            return None
        if "${" in text:
            return name.group(0), Pin(None, f"uses an environment variable, {UNPINNED}")
        reason = str(exc).splitlines()[0] if str(exc) else "invalid"
        return name.group(0), Pin(None, f"unparseable requirement ({reason}), {UNPINNED}")
    if requirement.url:
        return requirement.name, Pin(None, url_note(requirement.url))
    return requirement.name, pin_from_specifier(requirement.specifier)


def requirement_name(text: str) -> str | None:
    """The package a PEP 508 string (a lockfile's dependency entry) names."""
    try:
        return Requirement(text).name
    except InvalidRequirement:
        # PDM writes "pkg @ file:///${PROJECT_ROOT}/pkg", which packaging may reject.
        name = _LEADING_NAME.match(text.strip())
        return name.group(0) if name else None


def load_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.search(str(exc))
        line = int(position.group(1)) if position else None
        if line is None and "(at end of document)" in str(exc):
            line = text.count("\n") + 1  # a truncated file
        message = _TOML_POSITION.sub("", str(exc)).replace("(at end of document)", "").strip()
        raise ExtractionError(f"invalid TOML: {message}", line) from exc
    except RecursionError as exc:
        raise ExtractionError("invalid TOML: nested too deeply") from exc


def array_tables(doc: dict[str, Any], text: str, key: str) -> list[tuple[object, int | None]]:
    """Each ``[[key]]`` table of a lockfile with the line of its ``name``, when known."""
    raw = doc.get(key, [])
    if not isinstance(raw, list):
        raise ExtractionError(f"'{key}' should be an array of tables")
    lines = array_table_lines(text, key)
    known = len(lines) == len(raw)
    return [(entry, lines[index] if known else None) for index, entry in enumerate(raw)]


def index_by_name(names: Iterable[str]) -> dict[str, list[int]]:
    """Positions of each normalised name (a package may be locked at several versions)."""
    by_name: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        by_name.setdefault(normalize(name), []).append(index)
    return by_name


def array_table_lines(text: str, header: str) -> list[int]:
    """Line of the ``name =`` key of each ``[[header]]`` table, in file order.

    Lockfile writers put ``name`` first; callers trust the list only when it has one line
    per table, so an unusual layout costs line numbers, never wrong ones from a miscount.
    """
    header_re = re.compile(rf"\s*\[\[\s*{re.escape(header)}\s*\]\]\s*(?:#.*)?")
    lines: list[int] = []
    in_table = False
    for number, line in enumerate(text.split("\n"), start=1):
        if header_re.fullmatch(line.rstrip("\r")):
            in_table = True
        elif line.lstrip().startswith("["):
            in_table = False
        elif in_table and _NAME_KEY.match(line):
            lines.append(number)
            in_table = False
    return lines


def table(value: object, what: str) -> dict[str, Any]:
    """``value`` as a TOML/JSON table, or one ExtractionError naming ``what``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ExtractionError(f"{what} should be a table")
    return value


def string_list(value: object, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ExtractionError(f"{what} should be a list of strings")
    return value


def optional_string(value: object, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ExtractionError(f"{what} should be a string")
    return value


def shortest_paths(
    names: Sequence[str], edges: Sequence[Iterable[int]], direct: Iterable[int]
) -> dict[int, tuple[str, ...]]:
    """One shortest path of names from a direct package down to each reachable package."""
    return graph_paths(direct, edges.__getitem__, names.__getitem__)


def direct_packages(
    names: Sequence[str],
    edges: Sequence[Iterable[int]],
    manifest: dict[str, str | None] | None,
    fallback_group: Callable[[int], str | None] = lambda _index: None,
) -> tuple[list[int], list[tuple[int, str | None]]]:
    """Direct packages and the group each seeds: from the manifest beside the lockfile when
    there is one, else the packages nothing else depends on (the lockfile has no root)."""
    if manifest is not None:
        direct = [i for i, name in enumerate(names) if normalize(name) in manifest]
        return direct, [(i, manifest[normalize(names[i])]) for i in direct]
    depended_on = {target for targets in edges for target in targets}
    direct = [i for i in range(len(names)) if i not in depended_on]
    return direct, [(i, fallback_group(i)) for i in direct]


def groups_by_reach(
    edges: Sequence[Iterable[int]], seeds: Iterable[tuple[int, str | None]]
) -> dict[int, str | None]:
    """The group of each package reachable from a seed (a direct package and its group).

    What the main group (None) reaches is main; the rest belongs to the first group, in
    seed order, that reaches it.
    """
    by_group: dict[str | None, list[int]] = {}
    for index, group in seeds:
        by_group.setdefault(group, []).append(index)
    order = sorted(by_group, key=lambda group: group is not None)  # main first, stable
    found: dict[int, str | None] = {}
    for group in order:
        queue = deque(index for index in by_group[group] if index not in found)
        for index in queue:
            found[index] = group
        while queue:
            current = queue.popleft()
            for target in edges[current]:
                if target not in found:
                    found[target] = group
                    queue.append(target)
    return found


class TomlPositions:
    """Lines of keys and string literals in a TOML text, from one pass over it.

    ``tomllib`` keeps no positions; manifests are small and hand-written, so a line-based
    scan finds nearly every entry. Anything it misses gets no line rather than a wrong one.
    """

    _HEADER = re.compile(r"\s*\[{1,2}\s*([^\[\]]+?)\s*\]{1,2}\s*(?:#.*)?")
    _KEY = re.compile(r"""\s*(?:"([^"\\]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")
    _STRING = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'([^'\n]*)'""")

    def __init__(self, text: str) -> None:
        self._keys: dict[tuple[str, str], int] = {}
        self._headers: dict[str, int] = {}
        self._strings: dict[str, deque[int]] = {}
        current = ""
        for number, line in enumerate(text.split("\n"), start=1):
            header = self._HEADER.fullmatch(line.rstrip("\r"))
            if header is not None:
                current = ".".join(part.strip().strip("\"'") for part in header.group(1).split("."))
                self._headers.setdefault(current, number)
                continue
            key = self._KEY.match(line)
            if key is not None:
                name = next(group for group in key.groups() if group is not None)
                self._keys.setdefault((current, name), number)
            for literal in self._strings_in(line):
                self._strings.setdefault(literal, deque()).append(number)

    def _strings_in(self, line: str) -> Iterator[str]:
        for match in self._STRING.finditer(line):
            basic, literal = match.groups()
            if literal is not None:
                yield literal
            elif basic is not None and "\\" not in basic:
                yield basic

    def key(self, table_name: str, key: str) -> int | None:
        return self._keys.get((table_name, key))

    def header(self, table_name: str) -> int | None:
        return self._headers.get(table_name)

    def take_string(self, value: str) -> int | None:
        """The first line not yet taken that holds ``value`` as a string literal."""
        lines = self._strings.get(value)
        return lines.popleft() if lines else None

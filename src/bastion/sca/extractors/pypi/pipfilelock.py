"""Pipenv's ``Pipfile.lock`` (JSON, ``pipfile-spec`` 6).

``default`` (main group) and ``develop`` (group "dev") map names to entries with
``version`` (``"==1.2.3"``), or ``git``/``ref``, ``path``, ``file`` for packages not from
an index. The lock keeps no dependency graph, so direct means listed in the matching
section of the ``Pipfile`` beside it (``[packages]``, ``[dev-packages]``); without one,
every package counts as direct.
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any, ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.pypi._shared import UNPINNED, normalize, short

logger = logging.getLogger(__name__)

_SECTIONS = (("default", None, "packages"), ("develop", "dev", "dev-packages"))
# The end of a key whose value is an object. Outside strings a quote is never escaped,
# and inside strings it always is, hence the look-behind.
_OBJECT_KEY_END = re.compile(r'(?<!\\)"\s*:\s*\{')


class PipfileLockExtractor:
    name: ClassVar[str] = "pypi/pipfilelock"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "Pipfile.lock"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        text = source.text()
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ExtractionError(f"invalid JSON: {exc.msg}", exc.lineno) from exc
        except RecursionError as exc:
            raise ExtractionError("invalid JSON: nested too deeply") from exc
        except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
            raise ExtractionError(f"invalid JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise ExtractionError("expected a JSON object at the top", 1)
        for key, _, _ in _SECTIONS:
            if not isinstance(doc.get(key, {}), dict):
                raise ExtractionError(f"'{key}' should be an object")
        lines = _object_lines(text, doc)
        manifest = _pipfile(source)

        where = str(source.path)
        found: list[Dependency] = []
        for key, group, manifest_key in _SECTIONS:
            for name, entry in doc.get(key, {}).items():
                line = lines.get(id(entry))
                if not isinstance(entry, dict):
                    raise ExtractionError(f"'{key}.{name}' should be an object", line)
                version, note = _version(entry, f"'{key}.{name}'", line)
                direct = manifest is None or normalize(name) in manifest.get(manifest_key, ())
                found.append(
                    Dependency(
                        name=name,
                        version=version,
                        ecosystem=Ecosystem.PYPI,
                        direct=direct,
                        source=where,
                        line=line,
                        extractor=self.name,
                        group=group,
                        path=(name,) if direct else (),
                        note=note,
                    )
                )
        return found


def _version(entry: dict[str, Any], what: str, line: int | None) -> tuple[str | None, str | None]:
    raw = entry.get("version")
    if raw is not None and not isinstance(raw, str):
        raise ExtractionError(f"{what}: 'version' should be a string", line)
    origin = _origin(entry)
    if raw is not None and raw.startswith("==") and "*" not in raw:
        return raw.lstrip("=").strip() or None, origin
    if origin is not None:
        return None, f"{origin}, {UNPINNED}"
    if raw is None or raw.strip() == "*":
        return None, UNPINNED
    return None, f"{UNPINNED} ({short(raw)})"


def _origin(entry: dict[str, Any]) -> str | None:
    """Where a package not from an index comes from."""
    git, path, file = entry.get("git"), entry.get("path"), entry.get("file")
    if isinstance(git, str):
        ref = entry.get("ref")
        return f"from git ({short(f'{git}@{ref}' if isinstance(ref, str) and ref else git)})"
    if isinstance(path, str):
        return f"local path ({short(path)})"
    if isinstance(file, str):
        remote = "://" in file and not file.startswith("file:")
        return f"{'from a URL' if remote else 'local file'} ({short(file)})"
    return None


def _pipfile(source: ExtractInput) -> dict[str, set[str]] | None:
    """Normalised names in the Pipfile's ``[packages]`` and ``[dev-packages]``."""
    data = source.sibling("Pipfile")
    if data is None:
        return None
    try:
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        logger.info("%s: ignoring the Pipfile beside it: %s", source.path, exc)
        return None
    sections: dict[str, set[str]] = {}
    for _, _, key in _SECTIONS:
        names = doc.get(key)
        sections[key] = {normalize(n) for n in names} if isinstance(names, dict) else set()
    return sections


def _object_lines(text: str, doc: object) -> dict[int, int]:
    """Map ``id()`` of every object that is the value of a key to that key's line.

    ``json`` keeps no positions but keeps key order, so a pre-order walk of the document
    meets object-valued keys in the order of the text. Trusted only when both counts
    agree (duplicate keys or odd escapes make them differ; then there are no lines).
    """
    keyed = list(_keyed_objects(doc))
    ends = [match.start() for match in _OBJECT_KEY_END.finditer(text)]
    if len(keyed) != len(ends):
        return {}
    found: dict[int, int] = {}
    line, position = 1, 0
    for obj, end in zip(keyed, ends, strict=True):
        line += text.count("\n", position, end)
        position = end
        found[id(obj)] = line
    return found


def _keyed_objects(doc: object) -> Iterator[object]:
    """Objects that are the value of a key, in document order."""
    stack: list[Iterator[tuple[bool, object]]] = [iter([(False, doc)])]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        keyed, value = item
        if isinstance(value, dict):
            if keyed:
                yield value
            stack.append((True, child) for child in value.values())
        elif isinstance(value, list):
            stack.append((False, child) for child in value)

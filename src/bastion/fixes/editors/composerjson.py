"""Composer's ``composer.json``: raise ``require``/``require-dev`` constraints in place.

A constraint keeps its operator (``^5.4.1`` → ``^5.4.46``, ``v1.2.3`` → ``v1.2.9``);
anything but one operator and one version (``^1.0 || ^2.0``, ``1.2.*``) is left for a
person. Composer has no override mechanism for packages other packages require: the
pull request gives ``composer update <package> --with-dependencies`` for those.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any, ClassVar

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.fixes.editors._constraints import UnsupportedConstraint, raise_constraint
from bastion.fixes.editors._jsontext import Splices, Style, check, parse
from bastion.fixes.editors.base import (
    Bump,
    Change,
    EditError,
    EditResult,
    Skip,
    decode,
    encode,
)

MANIFEST = "composer.json"
_SECTIONS = ("require", "require-dev")
_OPERATORS = frozenset({"", "=", "==", "^", "~", ">="})


class ComposerJsonEditor:
    name: ClassVar[str] = "php/composer.json"
    ecosystem: ClassVar[Ecosystem] = Ecosystem.PACKAGIST

    def manifest_for(self, source: PurePosixPath) -> PurePosixPath | None:
        if source.name in (MANIFEST, "composer.lock"):
            return source.parent / MANIFEST
        return None

    def edit(self, path: PurePosixPath, data: bytes, bumps: Sequence[Bump]) -> EditResult:
        text, bom = decode(path, data)
        root = parse(text)
        if root.members is None:
            raise EditError(f"{path}: expected a JSON object at the top")
        expected: dict[str, Any] = json.loads(text)
        splices = Splices(text, Style.of(text, root))
        by_name = {_normalize(bump.package): bump for bump in bumps}
        changes: list[Change] = []
        skipped: list[Skip] = []
        found: set[str] = set()
        for section in _SECTIONS:
            entries = root.member(section)
            for entry in (entries.value.members or []) if entries is not None else []:
                bump = by_name.get(_normalize(entry.key))
                if bump is None:
                    continue
                found.add(_normalize(entry.key))
                spec = entry.value.value
                if not isinstance(spec, str):
                    skipped.append(Skip(bump.package, f"'{section}' entry is not a string"))
                    continue
                try:
                    raised = raise_constraint(
                        spec, bump.direct_target(), Ecosystem.PACKAGIST, operators=_OPERATORS
                    )
                except UnsupportedConstraint as exc:
                    skipped.append(Skip(bump.package, exc.reason))
                    continue
                if raised is None:
                    skipped.append(Skip(bump.package, f"'{section}' already asks for {spec}"))
                    continue
                splices.replace(entry.value, raised)
                expected[section][entry.key] = raised
                changes.append(Change(bump.package, spec, raised))
        for key, bump in by_name.items():
            if key not in found:
                skipped.append(Skip(bump.package, f"not required in {path}"))
        edited = splices.apply()
        check(edited, expected)
        return EditResult(encode(edited, bom), tuple(changes), tuple(skipped))


def _normalize(name: str) -> str:
    return normalize_package_name(Ecosystem.PACKAGIST, name)

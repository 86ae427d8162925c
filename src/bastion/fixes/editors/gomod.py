"""Go's ``go.mod``: raise ``require`` versions (and ``replace`` targets, ``toolchain``).

The file is read with the extractor's own parser
(:func:`bastion.sca.extractors.go.gomod.parse_gomod`), which gives the line of every
directive; only the version token on that line is replaced, so comments
(``// indirect``), blocks and alignment stay. What the scan reports for a replaced
module is the replacement, so a vulnerable replacement gets its ``replace`` line
raised. The standard library (``stdlib``) is raised through the ``toolchain`` directive,
the only place its version comes from.

OSV writes Go versions without the ``v`` module versions carry; it is added back, and
``+incompatible`` too when the old version had it. ``go.sum`` cannot be computed
without the module proxy: the pull request asks for ``go mod tidy``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors.base import (
    Bump,
    Change,
    EditError,
    EditResult,
    Skip,
    decode,
    encode,
)
from bastion.sca.extractors.base import ExtractionError
from bastion.sca.extractors.go.gomod import GoMod, parse_gomod
from bastion.versions import compare_versions

MANIFEST = "go.mod"
STDLIB = "stdlib"
_RELEASE = re.compile(r"\d+\.\d+\.\d+")
_INCOMPATIBLE = "+incompatible"


@dataclass(frozen=True, slots=True)
class _Edit:
    line: int  # 1-based
    old: str
    new: str
    # Search for ``old`` only after this text on the line ("=>" for a replacement).
    after: str = ""


class GoModEditor:
    name: ClassVar[str] = "go/go.mod"
    ecosystem: ClassVar[Ecosystem] = Ecosystem.GO

    def manifest_for(self, source: PurePosixPath) -> PurePosixPath | None:
        if source.name == MANIFEST:
            return source
        if source.name == "modules.txt" and source.parent.name == "vendor":
            return source.parent.parent / MANIFEST
        return None

    def edit(self, path: PurePosixPath, data: bytes, bumps: Sequence[Bump]) -> EditResult:
        text, bom = decode(path, data)
        try:
            parsed = parse_gomod(text)
        except ExtractionError as exc:
            raise EditError(f"{path}: {exc.message}") from exc
        edits: list[_Edit] = []
        changes: list[Change] = []
        skipped: list[Skip] = []
        for bump in bumps:
            found = _toolchain(parsed, bump) if bump.package == STDLIB else _modules(parsed, bump)
            if isinstance(found, Skip):
                skipped.append(found)
                continue
            if not found:
                skipped.append(Skip(bump.package, f"not required in {path}"))
                continue
            for edit in found:
                if edit.new == edit.old:
                    skipped.append(Skip(bump.package, f"already at {edit.old}"))
                    continue
                edits.append(edit)
                changes.append(Change(bump.package, edit.old, edit.new))
        lines = text.split("\n")
        for edit in edits:
            lines[edit.line - 1] = _replace_token(lines[edit.line - 1], edit)
        edited = "\n".join(lines)
        _check(parsed, edited, edits)
        return EditResult(encode(edited, bom), tuple(changes), tuple(skipped))


def _modules(parsed: GoMod, bump: Bump) -> list[_Edit]:
    edits: list[_Edit] = []
    for module, version, _indirect, line in parsed.requires:
        replacement = parsed.replacement(module, version)
        if replacement is not None:
            if replacement.path == bump.package and replacement.version is not None:
                new = _module_version(replacement.version, bump)
                edits.append(_Edit(replacement.line, replacement.version, new, after="=>"))
            continue
        if module == bump.package:
            edits.append(_Edit(line, version, _module_version(version, bump)))
    # One replace line can serve several requirements; edit it once.
    return list(dict.fromkeys(edits))


def _module_version(current: str, bump: Bump) -> str:
    fixed = bump.fixed_for(current.removeprefix("v").removesuffix(_INCOMPATIBLE))
    new = fixed if fixed.startswith("v") else f"v{fixed}"
    if current.endswith(_INCOMPATIBLE) and not new.endswith(_INCOMPATIBLE):
        new += _INCOMPATIBLE
    if compare_versions(Ecosystem.GO, new, current) <= 0:
        return current
    return new


def _toolchain(parsed: GoMod, bump: Bump) -> list[_Edit] | Skip:
    if parsed.toolchain is None or parsed.toolchain_line is None:
        return Skip(STDLIB, "no toolchain directive: add `toolchain go" + bump.target + "`")
    if not _RELEASE.fullmatch(bump.target):
        return Skip(STDLIB, f"Go {bump.target} is not a release a toolchain line can name")
    current = parsed.toolchain
    if compare_versions(Ecosystem.GO, current.removeprefix("go"), bump.target) >= 0:
        return [_Edit(parsed.toolchain_line, current, current)]
    return [_Edit(parsed.toolchain_line, current, f"go{bump.target}")]


def _replace_token(line: str, edit: _Edit) -> str:
    start = line.index(edit.after) + len(edit.after) if edit.after else 0
    code_end = line.find("//")
    token = re.compile(rf"(?<![^\s\"`]){re.escape(edit.old)}(?![^\s\"`])")
    match = token.search(line, start, code_end if code_end >= 0 else len(line))
    if match is None:
        raise EditError(f"line {edit.line}: {edit.old} not found where go.mod has it")
    return line[: match.start()] + edit.new + line[match.end() :]


def _check(before: GoMod, edited: str, edits: list[_Edit]) -> None:
    """The edited file must parse to the same directives with only these versions new."""
    try:
        after = parse_gomod(edited)
    except ExtractionError as exc:
        raise EditError(f"the edit broke go.mod: {exc.message}") from exc
    new_at = {edit.line: (edit.old, edit.new) for edit in edits}

    def expected(version: str, line: int) -> str:
        old, new = new_at.get(line, (version, version))
        return new if version == old else version

    requires = [(m, expected(v, n), i, n) for m, v, i, n in before.requires]
    replaces = {
        old: (r.path, None if r.version is None else expected(r.version, r.line), r.line)
        for old, r in before.replaces.items()
    }
    toolchain = before.toolchain
    if toolchain is not None and before.toolchain_line is not None:
        toolchain = expected(toolchain, before.toolchain_line)
    if (
        after.requires != requires
        or {old: (r.path, r.version, r.line) for old, r in after.replaces.items()} != replaces
        or after.toolchain != toolchain
        or after.go != before.go
        or after.excludes != before.excludes
    ):
        raise EditError("the edit changed more of go.mod than the intended versions")

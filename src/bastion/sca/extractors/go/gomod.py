"""Go ``go.mod``: the ``require`` list with ``replace`` applied.

A small tokenizer in the spirit of ``golang.org/x/mod/modfile``: directives are either one
line (``require a v1``) or a parenthesised block (``require ( ... )``); ``//`` starts a
comment; module paths may be quoted with ``"..."`` or backquotes. Only ``require`` and
``replace`` matter here; the ``go`` directive is a language version, not the toolchain, so
it yields no standard-library package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError

# As modfile's lexer: "//" ends an identifier and starts a comment even without a space.
_REPLACE_USAGE = "usage: replace module/path [v1.2.3] => other/path [v1.4.5]"
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|=>|[()]|(?:(?!//)[^\s()"`])+')


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    tokens: tuple[str, ...]
    comment: str  # text after "//", stripped


@dataclass(frozen=True, slots=True)
class _Replacement:
    path: str
    version: str | None  # None: a local directory
    line: int


class GoModExtractor:
    name: ClassVar[str] = "go/gomod"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name == "go.mod"

    def extract(self, source: ExtractInput) -> list[Dependency]:
        requires: list[tuple[str, str, bool, int]] = []
        # Keyed by (module, version or None): a versioned left side beats a bare one.
        replaces: dict[tuple[str, str | None], _Replacement] = {}
        for verb, line in _directives(source.text()):
            if verb == "require":
                requires.append(_require(line))
            elif verb == "replace":
                old, new = _replace(line)
                replaces[old] = new

        where = str(source.path)
        found: list[Dependency] = []
        for module, version, indirect, number in requires:
            name = module
            resolved: str | None = version
            note: str | None = None
            replacement = replaces.get((module, version)) or replaces.get((module, None))
            if replacement is not None:
                origin = f"{module} {version}"
                if replacement.version is None:
                    resolved = None
                    note = (
                        f"replaced by local path {replacement.path} "
                        f"(go.mod line {replacement.line}), no version"
                    )
                else:
                    # What gets built is the replacement, so that is what advisories
                    # are about.
                    name, resolved = replacement.path, replacement.version
                    note = (
                        f"{origin} replaced by {name} {resolved} (go.mod line {replacement.line})"
                    )
            found.append(
                Dependency(
                    name=name,
                    version=resolved,
                    ecosystem=Ecosystem.GO,
                    direct=not indirect,
                    source=where,
                    line=number,
                    extractor=self.name,
                    # go.mod records no graph: an indirect requirement's route is unknown.
                    path=() if indirect else (name,),
                    note=note,
                )
            )
        return found


def _directives(text: str) -> list[tuple[str, _Line]]:
    """(verb, arguments) for every directive line, blocks expanded."""
    found: list[tuple[str, _Line]] = []
    block: str | None = None
    block_start = 0
    for line in _lines(text):
        tokens = line.tokens
        if block is not None:
            if tokens == (")",):
                block = None
            elif ")" in tokens or "(" in tokens:
                raise ExtractionError("unexpected parenthesis inside a block", line.number)
            else:
                found.append((block, line))
            continue
        if len(tokens) == 2 and tokens[1] == "(":
            block, block_start = tokens[0], line.number
            continue
        if "(" in tokens or ")" in tokens:
            raise ExtractionError("unexpected parenthesis", line.number)
        found.append((tokens[0], _Line(line.number, tokens[1:], line.comment)))
    if block is not None:
        raise ExtractionError(f"'{block} (' block is never closed", block_start)
    return found


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        tokens: list[str] = []
        comment = ""
        position = 0
        while position < len(raw):
            if raw[position].isspace():
                position += 1
                continue
            if raw.startswith("//", position):
                comment = raw[position + 2 :].strip()
                break
            match = _TOKEN.match(raw, position)
            if match is None:
                raise ExtractionError(f"unterminated quoted string: {raw[position:]!r}", number)
            tokens.append(match.group(0))
            position = match.end()
        if tokens:
            lines.append(_Line(number, tuple(tokens), comment))
    return lines


def _require(line: _Line) -> tuple[str, str, bool, int]:
    if len(line.tokens) != 2:
        raise ExtractionError("usage: require module/path v1.2.3", line.number)
    module = _unquote(line.tokens[0], line.number)
    version = _unquote(line.tokens[1], line.number)
    if not module or not version:
        raise ExtractionError("empty module path or version", line.number)
    # modfile's isIndirect: "// indirect", optionally followed by "; more comment".
    indirect = line.comment == "indirect" or line.comment.startswith("indirect;")
    return module, version, indirect, line.number


def _replace(line: _Line) -> tuple[tuple[str, str | None], _Replacement]:
    tokens = line.tokens
    arrow = tokens.index("=>") if "=>" in tokens else 0
    old, new = tokens[:arrow], tokens[arrow + 1 :]
    if len(old) not in (1, 2) or len(new) not in (1, 2):
        raise ExtractionError(_REPLACE_USAGE, line.number)
    old_path = _unquote(old[0], line.number)
    old_version = _unquote(old[1], line.number) if len(old) == 2 else None
    new_path = _unquote(new[0], line.number)
    if not old_path or not new_path:
        raise ExtractionError("empty module path", line.number)
    if len(new) == 1:
        if not _is_local_path(new_path):
            raise ExtractionError(
                f"replacement module {new_path} needs a version (or a ./local path)", line.number
            )
        replacement = _Replacement(new_path, None, line.number)
    else:
        if _is_local_path(new_path):
            raise ExtractionError(f"a local replacement ({new_path}) takes no version", line.number)
        replacement = _Replacement(new_path, _unquote(new[1], line.number), line.number)
    return (old_path, old_version), replacement


def _is_local_path(path: str) -> bool:
    # modfile.IsDirectoryPath, including Windows spellings.
    return (
        path.startswith(("./", "../", "/", ".\\", "..\\", "\\"))
        or path in (".", "..")
        or (len(path) >= 2 and path[1] == ":" and path[0].isalpha())
    )


def _unquote(token: str, line: int) -> str:
    if token.startswith("`"):
        return token[1:-1]
    if token.startswith('"'):
        body = token[1:-1]
        # Go string escapes; module paths and versions never need more than these two.
        return re.sub(r"\\(.)", r"\1", body)
    if token == "=>":
        raise ExtractionError("unexpected '=>'", line)
    return token

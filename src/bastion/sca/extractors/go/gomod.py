"""Go ``go.mod``: the ``require`` list with ``replace`` and ``exclude`` applied, plus stdlib.

A small tokenizer in the spirit of ``golang.org/x/mod/modfile``: directives are either one
line (``require a v1``) or a parenthesised block (``require ( ... )``); ``//`` starts a
comment; module paths may be quoted with ``"..."`` or backquotes.

* ``exclude``: since Go 1.16 a requirement on an excluded version is ignored; it is still
  listed (as written) with a note, because the file does name it.
* The standard library is reported as the package ``stdlib``. Its version comes only from
  the ``toolchain`` directive (``go1.21rc2`` becomes the SemVer ``1.21.0-rc.2`` that OSV's
  Go records use); a bare ``go`` line is the minimum language version, not the toolchain
  that builds the program, so it gives ``stdlib`` no version and advisories are not
  matched against it.
* Before Go 1.17 (``go`` < 1.17, or no ``go`` line, which Go reads as 1.16) go.mod lists
  only what the module imports directly, so the modules in the neighbouring ``go.sum``
  that go.mod does not name are added as transitive dependencies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError

_REPLACE_USAGE = "usage: replace module/path [v1.2.3] => other/path [v1.4.5]"
_USAGE = {"go": "1.23", "toolchain": "go1.23.4"}
_GO_VERSION = re.compile(r"(\d{1,9})(?:\.(\d{1,9}))?")
# Go's toolchain names: go1, go1.21, go1.21.3, go1.21rc2, go1.9beta1, plus "-suffix" for a
# custom build. Pre-1.21 releases such as go1.20 mean 1.20.0.
_TOOLCHAIN = re.compile(r"go(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(alpha|beta|rc)(\d+))?(-\S+|\+\S+)?")
# As modfile's lexer: "//" ends an identifier and starts a comment even without a space.
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
        parsed = parse_gomod(source.text())
        where = str(source.path)
        found: list[Dependency] = []
        stdlib = _stdlib(parsed)
        if stdlib is not None:
            version, line, note = stdlib
            found.append(
                Dependency(
                    name="stdlib",
                    version=version,
                    ecosystem=Ecosystem.GO,
                    direct=True,
                    source=where,
                    line=line,
                    extractor=self.name,
                    group="stdlib",
                    path=("stdlib",),
                    note=note,
                )
            )
        for module, version, indirect, number in parsed.requires:
            name: str = module
            resolved: str | None = version
            notes: list[str] = []
            replacement = parsed.replacement(module, version)
            if replacement is not None:
                origin = f"{module} {version}"
                if replacement.version is None:
                    resolved = None
                    notes.append(
                        f"replaced by local path {replacement.path} "
                        f"(go.mod line {replacement.line}), no version"
                    )
                else:
                    # What gets built is the replacement, so that is what advisories
                    # are about.
                    name, resolved = replacement.path, replacement.version
                    notes.append(
                        f"{origin} replaced by {name} {resolved} (go.mod line {replacement.line})"
                    )
            excluded = parsed.excludes.get((module, version))
            if excluded is not None:
                notes.append(
                    f"{module} {version} is excluded (go.mod line {excluded}): the go command "
                    "ignores this requirement and selects another version"
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
                    note="; ".join(notes) or None,
                )
            )
        if parsed.lists_only_direct():
            found.extend(self._from_go_sum(source, parsed, where))
        return found

    def _from_go_sum(self, source: ExtractInput, parsed: GoMod, where: str) -> list[Dependency]:
        data = source.sibling("go.sum")
        if data is None:
            return []
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ExtractionError(f"go.sum is not UTF-8 text (byte {exc.start})") from exc
        # Modules go.mod already accounts for: required (the require line wins over older
        # versions go.sum remembers from the module graph) or replaced (go.sum then holds
        # the replacement's sums).
        known = {module for module, _, _, _ in parsed.requires}
        for old, new in parsed.replaces.items():
            known.add(old[0])
            known.add(new.path)
        seen: dict[tuple[str, str], int] = {}
        full: set[tuple[str, str]] = set()
        for number, raw in enumerate(text.split("\n"), start=1):
            fields = raw.split()
            if not fields:
                continue
            if len(fields) != 3:
                # As cmd/go: a go.sum line is exactly "module version hash".
                raise ExtractionError(f"go.sum line {number}: malformed line {raw.strip()!r}")
            module, version, _ = fields
            bare = version.removesuffix("/go.mod")
            if module in known:
                continue
            seen.setdefault((module, bare), number)
            if bare == version:
                full.add((module, bare))
        found: list[Dependency] = []
        for (module, version), number in seen.items():
            note = f"from go.sum line {number}: go {parsed.go or '1.16'} go.mod files list no "
            note += "indirect requirements"
            if (module, version) not in full:
                # Only the go.mod of this version was read during module graph pruning;
                # its code may well not be in the build.
                note += "; go.sum has only its go.mod checksum, so it may not be built"
            found.append(
                Dependency(
                    name=module,
                    version=version,
                    ecosystem=Ecosystem.GO,
                    direct=False,
                    source=where,
                    # The line is in go.sum, not in this file; the note carries it.
                    line=None,
                    extractor=self.name,
                    note=note,
                )
            )
        return found


@dataclass(frozen=True, slots=True)
class GoMod:
    """The directives of one go.mod that say which modules and toolchain are used."""

    requires: list[tuple[str, str, bool, int]]  # (module, version, indirect, line)
    # Keyed by (module, version or None): a versioned left side beats a bare one.
    replaces: dict[tuple[str, str | None], _Replacement]
    excludes: dict[tuple[str, str], int]  # (module, version) -> line
    go: str | None
    go_line: int | None
    toolchain: str | None
    toolchain_line: int | None

    def replacement(self, module: str, version: str) -> _Replacement | None:
        return self.replaces.get((module, version)) or self.replaces.get((module, None))

    def lists_only_direct(self) -> bool:
        """Go < 1.17 (or no ``go`` line, read as 1.16) leaves indirect modules out."""
        if self.go is None:
            return True
        match = _GO_VERSION.match(self.go)
        return match is not None and (int(match[1]), int(match[2] or 0)) < (1, 17)


def parse_gomod(text: str) -> GoMod:
    """Parse go.mod text; raises :class:`ExtractionError` where ``go`` itself would."""
    requires: list[tuple[str, str, bool, int]] = []
    replaces: dict[tuple[str, str | None], _Replacement] = {}
    excludes: dict[tuple[str, str], int] = {}
    go: str | None = None
    toolchain: str | None = None
    go_line: int | None = None
    toolchain_line: int | None = None
    for verb, line in _directives(text):
        if verb == "require":
            requires.append(_require(line))
        elif verb == "replace":
            old, new = _replace(line)
            replaces[old] = new
        elif verb == "exclude":
            module, version = _module_version(line, "usage: exclude module/path v1.2.3")
            excludes[module, version] = line.number
        elif verb in ("go", "toolchain"):
            if len(line.tokens) != 1:
                raise ExtractionError(f"usage: {verb} {_USAGE[verb]}", line.number)
            value = _unquote(line.tokens[0], line.number)
            if verb == "go":
                go, go_line = value, line.number
            else:
                toolchain, toolchain_line = value, line.number
    return GoMod(requires, replaces, excludes, go, go_line, toolchain, toolchain_line)


def _stdlib(parsed: GoMod) -> tuple[str | None, int | None, str | None] | None:
    """(version, line, note) of the standard library, or None when go.mod names no Go."""
    if parsed.toolchain is not None and parsed.toolchain != "default":
        return _toolchain_version(parsed.toolchain, parsed.toolchain_line)
    if parsed.go is not None:
        note = (
            f"go directive {parsed.go} is a language minimum, not a toolchain; add a "
            "toolchain directive to match standard-library advisories"
        )
        return None, parsed.go_line, note
    if parsed.toolchain is not None:
        return None, parsed.toolchain_line, "toolchain default names no Go version"
    return None


def _toolchain_version(name: str, line: int | None) -> tuple[str | None, int | None, str | None]:
    """``go1.21rc2`` -> ``1.21.0-rc.2``: the SemVer spelling OSV's Go records use."""
    match = _TOOLCHAIN.fullmatch(name)
    if match is None:
        return None, line, f"toolchain {name} is not a Go release name"
    major, minor, patch, stage, number, suffix = match.groups()
    version = f"{major}.{minor or 0}.{patch or 0}"
    if stage is not None:
        version += f"-{stage}.{number}"
    note = None
    if suffix:
        # goV-suffix names a custom build of release V (Go's "toolchain names").
        note = f"toolchain {name} is a custom build; matched as Go {version}"
    return version, line, note


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
    module, version = _module_version(line, "usage: require module/path v1.2.3")
    # modfile's isIndirect: "// indirect", optionally followed by "; more comment".
    indirect = line.comment == "indirect" or line.comment.startswith("indirect;")
    return module, version, indirect, line.number


def _module_version(line: _Line, usage: str) -> tuple[str, str]:
    if len(line.tokens) != 2:
        raise ExtractionError(usage, line.number)
    module = _unquote(line.tokens[0], line.number)
    version = _unquote(line.tokens[1], line.number)
    if not module or not version:
        raise ExtractionError("empty module path or version", line.number)
    return module, version


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

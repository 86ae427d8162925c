"""YAML for lockfiles and settings files: rapidyaml, plain Python data, and key lines.

PyYAML builds every node in Python (libyaml included), which took over a second for a
2 MB ``pnpm-lock.yaml``, and libyaml composes nested nodes recursively in C, so a few tens
of thousands of nesting levels killed the process. rapidyaml (``ryml``) parses in C++
without recursion in milliseconds; its tree is turned into dicts, lists and scalars here by
a loop, never by recursion, and refused beyond :data:`MAX_DEPTH` levels.

Scalars follow the YAML 1.2 core schema, and only plain (unquoted) ones are resolved:
``null``/``~``/nothing, ``true``/``false`` (any of three capitalisations), decimal, ``0o``
octal and ``0x`` hex integers, and floats with ``.inf``/``.nan``. YAML 1.1's ``yes``/``no``,
``1_000``, ``0777`` as octal, sexagesimal ``1:30`` and timestamps stay strings (or a
decimal integer for ``0777``). Keys are always strings, as written. Aliases are resolved
to the anchored object, shared as PyYAML does; ``<<`` is an ordinary key (merge keys are
YAML 1.1). Tags are limited to the core ones (``!!str``, ``!!int``, ...): others are
refused, since guessing what a custom tag means would be wrong.

rapidyaml's Python API exposes no node positions, so lines are found in the text, only
when asked for and in linear time: a block collection's entries are the lines at its
indentation between its first entry and the next entry of its parent. The entries found
are checked against the loaded data (their number, and each key's text); a collection in
flow style, or whose text does not match, simply has no lines.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

import ryml  # type: ignore[import-untyped]
from ryml import _ryml

from bastion.sca.extractors.base import ExtractionError

#: Lockfiles nest five or six levels; configuration files fewer.
MAX_DEPTH: Final = 256
#: Longer integers stay strings: Python refuses to convert more than 4,300 decimal digits
#: (CVE-2020-10735), and no lockfile field holds such a number.
MAX_INT_DIGITS: Final = 4000
_TOO_DEEP: Final = f"invalid YAML: nested more than {MAX_DEPTH} levels deep"

PathPart = str | int

# The SWIG functions behind ryml.Tree's methods, called with the tree's raw SWIG object
# (``tree.this``) rather than the Python proxy: SWIG looks the raw object up on the proxy
# at every call, which made turning a large tree into Python objects four times slower.
_type = _ryml.Tree_type
_first_child = _ryml.Tree_first_child
_next_sibling = _ryml.Tree_next_sibling
_key = _ryml.Tree_key
_val = _ryml.Tree_val
_NONE: Final[int] = ryml.NONE

_MAP: Final[int] = ryml.MAP
_SEQ: Final[int] = ryml.SEQ
_CONTAINER: Final = _MAP | _SEQ
_STREAM: Final[int] = ryml.STREAM
_VALNIL: Final[int] = ryml.VALNIL
_KEYNIL: Final[int] = ryml.KEYNIL
_VALQUO: Final[int] = ryml.VALQUO  # any style but plain: quoted, literal or folded
_VALREF: Final[int] = ryml.VALREF
_KEYREF: Final[int] = ryml.KEYREF
_VALANCH: Final[int] = ryml.VALANCH
_KEYANCH: Final[int] = ryml.KEYANCH
_VALTAG: Final[int] = ryml.VALTAG
_ANCHOR: Final = _VALANCH | _KEYANCH
_KEY: Final[int] = ryml.KEY
# Keys needing more than their text: an alias, an anchor, null, or no key at all.
_ODD_KEY: Final = _KEYREF | _KEYANCH | _KEYNIL | _KEY
_VAL_SPECIAL: Final = _VALREF | _VALANCH | _VALTAG
_VAL: Final[int] = ryml.VAL
# Scalars needing more than their text: an alias, anchor, tag, null, or no value at all
# (rapidyaml leaves out the value of "[:").
_ODD_SCALAR: Final = _VAL_SPECIAL | _VALNIL | _VAL

_WORDS: Final[dict[str, object]] = {
    **dict.fromkeys(("null", "Null", "NULL", "~"), None),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
}
_NUMBER: Final = re.compile(
    r"""(?P<int>[-+]?[0-9]+)
      | 0o(?P<oct>[0-7]+)
      | 0x(?P<hex>[0-9a-fA-F]+)
      | [-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?""",
    re.VERBOSE,
)
_NUMBER_START: Final = frozenset("0123456789+-.")
_CORE_TAGS: Final = {
    spelling: name
    for name in ("str", "int", "float", "bool", "null", "map", "seq")
    for spelling in (f"!!{name}", f"<tag:yaml.org,2002:{name}>")
}
_SCALAR_TAGS: Final[dict[str, type]] = {
    "int": int,
    "float": float,
    "bool": bool,
    "null": type(None),
}


def resolve_plain(text: str) -> object:
    """A plain scalar as the YAML 1.2 core schema reads it."""
    if not text:
        return None
    word = _WORDS.get(text, _WORDS)
    if word is not _WORDS:
        return word
    if text[0] not in _NUMBER_START:
        return text
    match = _NUMBER.fullmatch(text)
    if match is None:
        return text
    decimal, octal, hexadecimal = match.group("int", "oct", "hex")
    if decimal is None and octal is None and hexadecimal is None:
        return float(text)
    if len(text) > MAX_INT_DIGITS:
        return text
    if decimal is not None:
        return int(decimal)
    return int(octal, 8) if octal is not None else int(hexadecimal, 16)


@dataclass(eq=False, slots=True)
class Document:
    """One YAML document: its data, and where its content starts (1-based)."""

    data: object
    line: int | None
    _lines: _LineIndex | None = field(default=None, repr=False)


_STDERR_LOCK = threading.Lock()


@contextmanager
def _silenced_stderr() -> Iterator[None]:
    """rapidyaml's C++ error handler prints two lines to file descriptor 2 before raising,
    and offers no way to turn that off; the same error reaches the user properly as an
    ExtractionError. Only the parse call is covered, a few milliseconds."""
    with _STDERR_LOCK:
        try:
            saved = os.dup(2)
        except OSError:  # no stderr at all: nothing to protect
            yield
            return
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 2)
            finally:
                os.close(devnull)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def load_all(text: str) -> list[Document]:
    """Every document of ``text``. Raises only :class:`ExtractionError`."""
    if "\r" in text:
        # YAML reads CR LF and lone CR as line breaks; the line index only knows LF.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        with _silenced_stderr():
            tree = ryml.parse_in_arena(text.encode())
    except UnicodeEncodeError as exc:  # lone surrogates: no text decoded from UTF-8
        raise ExtractionError("invalid YAML: not Unicode text") from exc
    except ryml.ExceptionParse as exc:
        location = exc.errdata_parse.ymlloc
        line = location.line if isinstance(location.line, int) and location.line > 0 else None
        raise ExtractionError(f"invalid YAML: {_reason(exc)}", line) from exc
    except ryml.ExceptionBasic as exc:
        raise ExtractionError(f"invalid YAML: {_reason(exc)}") from exc
    except (MemoryError, RuntimeError) as exc:  # SWIG turns std::bad_alloc into the latter
        raise ExtractionError("invalid YAML: too large to load") from exc

    raw = tree.this
    root = int(tree.root_id())
    root_type = int(_type(raw, root))
    if root_type & _STREAM == _STREAM:
        nodes = _children(raw, root)
    elif root_type == 0:  # nothing but comments, blank lines or "..."
        nodes = []
    else:
        nodes = [root]

    segments = _segments(text)
    if len(segments) != len(nodes):
        segments = []  # the text's markers disagree with the parser: no lines at all
    documents: list[Document] = []
    line = 1
    previous = 0
    for position, node in enumerate(nodes):
        try:
            data = _convert(raw, node)
        except UnicodeDecodeError as exc:
            # rapidyaml writes the lone surrogate of a "\ud800" escape as is: no UTF-8.
            raise ExtractionError("invalid YAML: an escape names no Unicode character") from exc
        if not segments:
            documents.append(Document(data, None))
            continue
        start, end = segments[position]
        line += text.count("\n", previous, start)
        previous = start
        index = _LineIndex(text, data, start, end, line)
        documents.append(Document(data, index.first_line(), index))
    return documents


def key_lines(document: Document, *path: PathPart) -> dict[str, int]:
    """1-based line of each key of the block mapping at ``path`` ({} if unknown).

    A path part is a key (str) or a sequence index (int).
    """
    index = document._lines
    block = index.block(path) if index is not None else None
    if block is None or block.keys is None:
        return {}
    return dict(zip(block.keys, block.lines, strict=True))


def item_lines(document: Document, *path: PathPart) -> list[int]:
    """1-based line of each item of the block sequence at ``path`` ([] if unknown)."""
    index = document._lines
    block = index.block(path) if index is not None else None
    if block is None or block.keys is not None:
        return []
    return list(block.lines)


def _reason(exc: Any) -> str:
    message = getattr(exc, "msg", None)
    reason = str(message).strip() if message else str(exc).strip()
    return reason or "unreadable"


def _children(tree: Any, node: int) -> list[int]:
    found: list[int] = []
    child = int(_first_child(tree, node))
    while child != _NONE:
        found.append(child)
        child = int(_next_sibling(tree, child))
    return found


# --- tree → Python --------------------------------------------------------------------


class _Anchors:
    """Anchored values seen so far in one document, by name."""

    __slots__ = ("open", "text", "values")

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.text: dict[str, str] = {}  # anchored scalars as written, for aliases as keys
        self.open: set[str] = set()  # anchored collections still being read

    def alias(self, name: str) -> object:
        if name in self.open:
            raise ExtractionError(f"invalid YAML: alias *{name} refers to a node containing it")
        if name not in self.values:
            raise ExtractionError(f"invalid YAML: alias *{name} has no anchor before it")
        return self.values[name]


class _Anchored(Exception):
    """The document has anchors: aliases need it read in document order."""


def _convert(tree: Any, node: int) -> object:
    """The document at ``node`` as Python data, by loops over explicit stacks."""
    try:
        return _convert_unordered(tree, node)
    except _Anchored:
        return _convert_ordered(tree, node)


def _convert_unordered(tree: Any, node: int) -> object:
    """Fill each collection, queueing the collections in it: faster, but out of order."""
    anchors = _Anchors()  # stays empty: an alias without an anchor is an error anyway
    node_type = int(_type(tree, node))
    if node_type & _ANCHOR:
        raise _Anchored
    if not node_type & _CONTAINER:
        return _scalar(tree, node, node_type, anchors)
    top = _container(tree, node, node_type)
    work: list[tuple[Any, int, int]] = [(top, node, 1)]
    pop, push = work.pop, work.append
    type_, key_, val_, next_ = _type, _key, _val, _next_sibling
    words, number_start = _WORDS.get, _NUMBER_START
    while work:
        container, parent, depth = pop()
        depth += 1  # of the collections in this one
        child = _first_child(tree, parent)
        value: Any
        if type(container) is dict:
            while child != _NONE:
                child_type = type_(tree, child)
                if child_type & _ANCHOR:
                    raise _Anchored
                if child_type & _ODD_KEY != _KEY:
                    key = _special_key(tree, child, child_type, anchors)
                else:
                    key = str(key_(tree, child), "utf-8")
                if child_type & _CONTAINER:
                    if depth > MAX_DEPTH:
                        raise ExtractionError(_TOO_DEEP)
                    if child_type & _VALTAG:
                        value = _container(tree, child, child_type)
                    else:
                        value = {} if child_type & _MAP else []
                    push((value, child, depth))
                elif child_type & _ODD_SCALAR != _VAL:
                    value = _scalar(tree, child, child_type, anchors)
                elif child_type & _VALQUO:
                    value = str(val_(tree, child), "utf-8")
                else:
                    # resolve_plain, inlined: this loop runs for every scalar.
                    text = str(val_(tree, child), "utf-8")
                    value = words(text, text)
                    if value is text and text[:1] in number_start:
                        value = resolve_plain(text)
                container[key] = value
                child = next_(tree, child)
        else:
            append = container.append
            while child != _NONE:
                child_type = type_(tree, child)
                if child_type & _ANCHOR:
                    raise _Anchored
                if child_type & _CONTAINER:
                    if depth > MAX_DEPTH:
                        raise ExtractionError(_TOO_DEEP)
                    if child_type & _VALTAG:
                        value = _container(tree, child, child_type)
                    else:
                        value = {} if child_type & _MAP else []
                    push((value, child, depth))
                elif child_type & _ODD_SCALAR != _VAL:
                    value = _scalar(tree, child, child_type, anchors)
                elif child_type & _VALQUO:
                    value = str(val_(tree, child), "utf-8")
                else:
                    text = str(val_(tree, child), "utf-8")
                    value = words(text, text)
                    if value is text and text[:1] in number_start:
                        value = resolve_plain(text)
                append(value)
                child = next_(tree, child)
    return top


def _convert_ordered(tree: Any, node: int) -> object:
    """Read in document order, so that anchors are known before their aliases."""
    anchors = _Anchors()
    node_type = int(_type(tree, node))
    if not node_type & _CONTAINER:
        return _scalar(tree, node, node_type, anchors)
    top = _container(tree, node, node_type)
    # Frames: [container, next child, is a mapping, depth, anchor to set when done].
    stack: list[list[Any]] = [[top, int(_first_child(tree, node)), node_type & _MAP, 1, None]]
    if node_type & _VALANCH:
        stack[0][4] = _anchor_name(tree, node, anchors)
    while stack:
        frame = stack[-1]
        container, child, is_map = frame[0], frame[1], frame[2]
        while child != _NONE:
            child_type = _type(tree, child)
            key = ""
            if is_map:
                if child_type & _ODD_KEY != _KEY:
                    key = _special_key(tree, child, child_type, anchors)
                else:
                    key = str(_key(tree, child), "utf-8")
            if child_type & _CONTAINER and not child_type & _VALREF:
                value: Any = _container(tree, child, child_type)
                if is_map:
                    container[key] = value
                else:
                    container.append(value)
                depth = frame[3] + 1
                if depth > MAX_DEPTH:
                    raise ExtractionError(_TOO_DEEP)
                frame[1] = _next_sibling(tree, child)
                anchor = _anchor_name(tree, child, anchors) if child_type & _VALANCH else None
                stack.append([value, _first_child(tree, child), child_type & _MAP, depth, anchor])
                break
            if child_type & _ODD_SCALAR != _VAL:
                value = _scalar(tree, child, child_type, anchors)
            elif child_type & _VALQUO:
                value = str(_val(tree, child), "utf-8")
            else:
                value = resolve_plain(str(_val(tree, child), "utf-8"))
            if is_map:
                container[key] = value
            else:
                container.append(value)
            child = _next_sibling(tree, child)
        else:
            stack.pop()
            if frame[4] is not None:
                anchors.open.discard(frame[4])
                anchors.values[frame[4]] = container
    return top


def _container(tree: Any, node: int, node_type: int) -> dict[str, Any] | list[Any]:
    if node_type & _VALTAG:
        tag = _tag(tree, node)
        if tag not in ("", "map" if node_type & _MAP else "seq"):
            raise ExtractionError(f"invalid YAML: tag {_show_tag(tree, node)} on a collection")
    return {} if node_type & _MAP else []


def _anchor_name(tree: Any, node: int, anchors: _Anchors) -> str:
    name = _text(_ryml.Tree_val_anchor(tree, node))
    anchors.open.add(name)
    return name


def _scalar(tree: Any, node: int, node_type: int, anchors: _Anchors) -> object:
    if node_type & _VALREF:
        return anchors.alias(_text(_ryml.Tree_val_ref(tree, node)))
    text = "" if node_type & _VALNIL else _text(_val(tree, node))
    value: object
    if node_type & _VALTAG:
        value = _tagged(tree, node, node_type, text)
    elif node_type & _VALQUO:
        value = text
    else:
        value = resolve_plain(text)
    if node_type & _VALANCH:
        name = _text(_ryml.Tree_val_anchor(tree, node))
        anchors.open.discard(name)
        anchors.values[name] = value
        anchors.text[name] = text
    return value


def _tagged(tree: Any, node: int, node_type: int, text: str) -> object:
    tag = _tag(tree, node)
    if tag in ("str", ""):  # "!" alone marks a scalar as not to be resolved: a string
        return text
    expected = _SCALAR_TAGS.get(tag)
    value = resolve_plain(text)
    if tag == "float" and type(value) is int:
        value = float(value)
    if expected is None or type(value) is not expected:
        raise ExtractionError(f"invalid YAML: {text!r} cannot be read as {_show_tag(tree, node)}")
    return value


def _special_key(tree: Any, node: int, node_type: int, anchors: _Anchors) -> str:
    if node_type & _KEYREF:
        name = _text(_ryml.Tree_key_ref(tree, node))
        if name not in anchors.text:
            anchors.alias(name)  # raises for an unknown or open anchor
            raise ExtractionError(f"invalid YAML: alias *{name} of a collection used as a key")
        return anchors.text[name]
    key = "" if node_type & _KEYNIL else _text(_key(tree, node))
    if node_type & _KEYANCH:
        name = _text(_ryml.Tree_key_anchor(tree, node))
        anchors.values[name] = key
        anchors.text[name] = key
    return key


def _tag(tree: Any, node: int) -> str:
    """A core tag's short name, "" for the non-specific "!", else the tag as written."""
    tag = _text(_ryml.Tree_val_tag(tree, node))
    return "" if tag == "!" else _CORE_TAGS.get(tag, tag)


def _show_tag(tree: Any, node: int) -> str:
    return _text(_ryml.Tree_val_tag(tree, node))


def _text(view: Any) -> str:
    return "" if view is None else str(view, "utf-8")


# --- lines ----------------------------------------------------------------------------

# A document starts after "---" and ends before the next "---" or "...", each alone at the
# start of a line (a marker there ends even a block scalar).
_MARKER: Final = re.compile(r"(?:---|\.\.\.)(?=[ \t\n]|\Z)")
# A line holding content: not blank, not only a comment.
_CONTENT_LINE: Final = re.compile(r"^[ \t]*[^ \t\n#]", re.MULTILINE)
# Content that is not a directive: a "%YAML" line only comes before a "---".
_DOCUMENT_LINE: Final = re.compile(r"^[ \t]*[^ \t\n#%]|^[ \t]+%", re.MULTILINE)
# Blanks and node properties (anchors, tags) before a node's content on its line.
_PROPERTIES: Final = re.compile(r"(?:[ \t]+|[&!][^ \t\n]*(?=[ \t\n]|\Z))*")
_BLANKS: Final = re.compile(r"[ \t]*")
_ENTRY_PATTERNS: dict[tuple[bool, int], re.Pattern[str]] = {}


def _entry_pattern(is_map: bool, indent: int) -> re.Pattern[str]:
    """Lines starting a mapping key, or a sequence item, at exactly ``indent`` spaces."""
    pattern = _ENTRY_PATTERNS.get((is_map, indent))
    if pattern is None:
        # For a mapping, not "- " (a sequence under the previous key), "? " or ": "
        # (explicit keys).
        body = r"(?![-?:](?:[ \t\n]|$))[^ \t\n#]" if is_map else r"-(?=[ \t\n]|$)"
        # Led by the line break rather than "^": a literal start is searched for quickly,
        # "^" is tried at every character.
        pattern = re.compile(rf"\n {{{indent}}}{body}")
        _ENTRY_PATTERNS[is_map, indent] = pattern
    return pattern


def _segments(text: str) -> list[tuple[int, int]]:
    """(start, end) of each document's text, as many as the parser finds when it agrees."""
    segments: list[tuple[int, int]] = []
    start, explicit = 0, False
    for marker, length, kind in _markers(text):
        if explicit or _DOCUMENT_LINE.search(text, start, marker):
            segments.append((start, marker))
        start, explicit = marker + length, kind == "---"
    if explicit or _DOCUMENT_LINE.search(text, start):
        segments.append((start, len(text)))
    return segments


def _markers(text: str) -> list[tuple[int, int, str]]:
    """(offset, length, marker) of each "---" or "..." alone at the start of a line."""
    found: list[tuple[int, int, str]] = []
    # str.find rather than a "^" pattern, which is tried at every character of the text.
    for marker in ("---", "..."):
        starts = [0] if text.startswith(marker) else []
        position = text.find("\n" + marker)
        while position >= 0:
            starts.append(position + 1)
            position = text.find("\n" + marker, position + 1)
        found += [(start, 3, marker) for start in starts if _MARKER.match(text, start)]
    found.sort()
    return found


@dataclass(slots=True)
class _Block:
    """Where the entries of one block collection start in the text, and their lines."""

    # A copy of the collection's keys (None for a sequence) and values as loaded: the
    # caller may change the data, the lines stay those of the text.
    keys: tuple[str, ...] | None
    values: tuple[object, ...]
    indent: int
    end: int  # the collection's text ends here at the latest
    offsets: list[int]  # where each entry starts: a key, or the "-" of an item
    lines: list[int]
    positions: dict[str, int] | None = None  # a mapping's keys, by position


class _LineIndex:
    """Lines of one document's block collections, found in its text on demand.

    Entries are paired with the loaded data in order, so the data guides the search and
    checks it: a collection whose text shows another number of entries (flow style, a key
    written twice, text the patterns misread), or a key not spelled where it should be,
    gets no lines rather than wrong ones.
    """

    def __init__(self, text: str, data: object, start: int, end: int, line: int) -> None:
        self.text = text
        self.data = data
        self.start = start
        self.end = end
        self.line = line  # of ``start``
        self.blocks: dict[tuple[PathPart, ...], _Block | None] = {}

    def first_line(self) -> int:
        found = self._content(self.start, self.end)
        return self.line + self.text.count("\n", self.start, found if found >= 0 else self.start)

    def block(self, path: tuple[PathPart, ...]) -> _Block | None:
        if path in self.blocks:
            return self.blocks[path]
        block: _Block | None = None
        if not path:
            block = self._build(self.data, self._content(self.start, self.end), self.end)
        else:
            parent = self.block(path[:-1])
            if parent is not None:
                block = self._child(parent, path[-1])
        self.blocks[path] = block
        return block

    def _child(self, parent: _Block, part: PathPart) -> _Block | None:
        if parent.keys is not None:
            if parent.positions is None:
                parent.positions = {key: index for index, key in enumerate(parent.keys)}
            position = parent.positions.get(part, -1) if isinstance(part, str) else -1
        else:
            position = part if isinstance(part, int) and 0 <= part < len(parent.values) else -1
        if position < 0:
            return None
        value = parent.values[position]
        if not isinstance(value, dict | list) or not value:
            return None
        offset = parent.offsets[position]
        end = parent.offsets[position + 1] if position + 1 < len(parent.offsets) else parent.end
        if parent.keys is not None:
            # A block collection as a value starts on a line after its key.
            line_end = self.text.find("\n", offset, end)
            start = self._next_line(line_end, end) if line_end >= 0 else -1
        else:
            start = self._content(offset + 1, end)
        block = self._build(value, start, end)
        if block is None:
            return None
        if block.indent > parent.indent:
            return block
        # A sequence may sit at its key's indentation ("key:" then "- item" lines).
        compact = parent.keys is not None and isinstance(value, list)
        return block if compact and block.indent == parent.indent else None

    def _build(self, value: object, start: int, end: int) -> _Block | None:
        """The block collection holding ``value`` whose first entry starts at ``start``."""
        if start < 0 or not isinstance(value, dict | list) or not value:
            return None
        text = self.text
        is_map = isinstance(value, dict)
        indent = start - (text.rfind("\n", 0, start) + 1)
        offsets = [start]
        line_end = text.find("\n", start, end)
        if line_end >= 0:
            pattern = _entry_pattern(is_map, indent)
            offsets += [match.end() - 1 for match in pattern.finditer(text, line_end, end)]
        if len(offsets) != len(value):
            return None
        if is_map:
            for key, offset in zip(value, offsets, strict=True):
                if not text.startswith(key, offset) and not _spells_key(text, offset, key):
                    return None
        elif any(text[offset] != "-" for offset in offsets):
            return None
        starts = offsets
        if not is_map:
            # An item's line is that of its content, which may follow the "-" a line later.
            ends = [*offsets[1:], end]
            starts = [self._content(o + 1, e, _BLANKS) for o, e in zip(offsets, ends, strict=True)]
            starts = [s if s >= 0 else o for s, o in zip(starts, offsets, strict=True)]
        lines = []
        line = self.line + text.count("\n", self.start, start)
        previous = start
        for offset in starts:
            line += text.count("\n", previous, offset)
            previous = offset
            lines.append(line)
        keys = tuple(value) if isinstance(value, dict) else None
        values = tuple(value.values() if isinstance(value, dict) else value)
        return _Block(keys, values, indent, end, offsets, lines)

    def _content(self, position: int, end: int, skip: re.Pattern[str] = _PROPERTIES) -> int:
        """Where the content after ``position`` starts, on its line or a later one.

        Node properties (anchor, tag) are skipped unless ``skip`` is _BLANKS.
        """
        text = self.text
        position = _skip(_BLANKS, text, position)
        after = _skip(skip, text, position)
        if after < end and text[after] not in "\n#":
            # Properties before content on the same line belong to that content: the
            # anchor of "- &a k: v" is the key's, and the mapping starts at "&".
            return position
        line_end = text.find("\n", after, end)
        return self._next_line(line_end, end) if line_end >= 0 else -1

    def _next_line(self, position: int, end: int) -> int:
        """Where the first line after ``position`` with content starts its content."""
        match = _CONTENT_LINE.search(self.text, position + 1, end)
        return match.end() - 1 if match is not None else -1


def _skip_properties(text: str, position: int) -> int:
    return _skip(_PROPERTIES, text, position)


def _skip(pattern: re.Pattern[str], text: str, position: int) -> int:
    match = pattern.match(text, position)
    return match.end() if match is not None else position


def _spells_key(text: str, offset: int, key: str) -> bool:
    """Whether ``key`` may start at ``offset`` though not written there as it loads."""
    offset = _skip_properties(text, offset)
    # After an anchor or a tag; quoted (escapes make the text differ); or an alias.
    return text.startswith(key, offset) or text.startswith(("'", '"', "*"), offset)

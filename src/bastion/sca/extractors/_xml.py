"""A small line-aware XML tree for manifests (``pom.xml``, ``*.csproj``, ``packages.config``).

``xml.etree`` keeps no positions, so elements are built by a parser target that asks expat
where each start tag is. Parsing goes through ``defusedxml``, which refuses entity
declarations (billion laughs) and external references. Namespaces are dropped from tag
and attribute names: a POM with or without ``xmlns`` and an old-style ``*.csproj`` in the
MSBuild namespace mean the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from bastion.sca.extractors.base import ExtractionError

# Manifests nest a handful of levels; anything far deeper is an attack or garbage.
MAX_DEPTH = 256
_POSITION = re.compile(r":? ?line \d+, column \d+$")


@dataclass(slots=True, eq=False)
class Element:
    tag: str
    attrib: dict[str, str]
    line: int
    children: list[Element] = field(default_factory=list)
    # Character data directly inside this element (between its children too).
    chunks: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.chunks).strip()

    def find(self, tag: str) -> Element | None:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> list[Element]:
        return [child for child in self.children if child.tag == tag]

    def findtext(self, tag: str) -> str | None:
        """The stripped text of the first ``tag`` child; None when there is none."""
        child = self.find(tag)
        return None if child is None else child.text

    def descend(self, *tags: str) -> list[Element]:
        """Every element reached by following ``tags`` one level at a time."""
        level = [self]
        for tag in tags:
            level = [child for parent in level for child in parent.findall(tag)]
        return level


class _TooDeep(Exception):
    pass


class _Builder:
    """An ``xml.etree`` parser target that records the line of every start tag."""

    def __init__(self, data: bytes) -> None:
        self._source = data
        self.parser: DefusedXMLParser | None = None
        self.stack: list[Element] = []
        self.root: Element | None = None
        # Lines are counted incrementally from expat's byte offsets, which only grow: the
        # whole file is scanned once. Counting "\n" bytes (rather than taking expat's own
        # line number, which also breaks at a lone "\r") matches the other extractors.
        self._offset = 0
        self._line = 1

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise _TooDeep
        element = Element(
            _local(tag), {_local(k): v for k, v in attrib.items()}, self._current_line()
        )
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def end(self, tag: str) -> None:
        self.stack.pop()

    def data(self, text: str) -> None:
        if self.stack:
            self.stack[-1].chunks.append(text)

    def close(self) -> Element | None:
        return self.root

    def _current_line(self) -> int:
        assert self.parser is not None
        offset = self.parser.parser.CurrentByteIndex
        if offset > self._offset:
            self._line += self._source.count(b"\n", self._offset, offset)
            self._offset = offset
        return self._line


def parse_xml(data: bytes) -> Element:
    """The document's root element. Raises :class:`ExtractionError` for anything invalid."""
    builder = _Builder(data)
    parser = DefusedXMLParser(target=builder)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as exc:
        message = _POSITION.sub("", str(exc)) or "syntax error"
        position = getattr(exc, "position", None)
        line = position[0] if isinstance(position, tuple) and position and position[0] else None
        raise ExtractionError(f"invalid XML: {message}", line) from exc
    except DefusedXmlException as exc:
        raise ExtractionError(
            f"invalid XML: entity declarations and external references are not allowed "
            f"({type(exc).__name__})"
        ) from exc
    except LookupError as exc:  # an encoding declaration Python does not know
        raise ExtractionError(f"invalid XML: {exc}") from exc
    except _TooDeep as exc:
        raise ExtractionError(f"invalid XML: elements nested over {MAX_DEPTH} deep") from exc
    if not isinstance(root, Element):
        raise ExtractionError("invalid XML: no root element")
    return root


def _local(name: str) -> str:
    """``{namespace}tag`` → ``tag``."""
    return name.rpartition("}")[2]

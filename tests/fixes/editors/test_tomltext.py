"""The TOML string lexer: every literal it reports is the value tomllib reads there."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.fixes.editors import _tomltext
from bastion.fixes.editors.base import EditError

words = st.from_regex(r"[a-z][a-z0-9_-]{0,5}", fullmatch=True)
texts = st.text(
    st.characters(codec="utf-8", exclude_characters="\"'\\\n\r\x7f", min_codepoint=32), max_size=8
)


@st.composite
def values(draw: st.DrawFn, depth: int = 0) -> tuple[str, int]:
    """(TOML value text, how many editable strings it holds)."""
    kinds = ["basic", "literal", "int", "bool", "multiline", "escaped"]
    if depth < 2:
        kinds += ["array", "inline"]
    kind = draw(st.sampled_from(kinds))
    if kind == "basic":
        return f'"{draw(texts)}"', 1
    if kind == "literal":
        return f"'{draw(texts)}'", 1
    if kind == "int":
        return str(draw(st.integers(-5, 5))), 0
    if kind == "bool":
        return draw(st.sampled_from(("true", "false"))), 0
    if kind == "multiline":
        return f'"""\n{draw(texts)}\n"""', 0
    if kind == "escaped":
        return '"tab\\there"', 0
    items = draw(st.lists(values(depth + 1), max_size=3))
    if kind == "array":
        gap = draw(st.sampled_from((" ", "\n  ", "  # note\n  ")))
        body = ("," + gap).join(text for text, _ in items)
        trailing = "," if draw(st.booleans()) and items else ""
        return f"[{gap}{body}{trailing}\n]", sum(n for _, n in items)
    keys = draw(st.lists(words, min_size=len(items), max_size=len(items), unique=True))
    pairs = ", ".join(f"{key} = {text}" for key, (text, _) in zip(keys, items, strict=True))
    return "{ " + pairs + " }", sum(n for _, n in items)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, int]:
    lines: list[str] = []
    expected = 0
    # Table names apart from keys: TOML forbids a table over a key of the same name.
    tables = [f"table-{name}" for name in draw(st.lists(words, max_size=3, unique=True))]
    for table in ["", *tables]:
        if table:
            lines.append(draw(st.sampled_from((f"[{table}]", f'["{table}".sub]', f"[[{table}]]"))))
        for key in draw(st.lists(words, max_size=4, unique=True)):
            text, count = draw(values())
            dotted = draw(st.sampled_from((key, f"{key}.inner", f'"{key}"')))
            lines.append(f"{dotted} = {text}  # comment")
            expected += count
    return "\n".join(lines) + "\n", expected


def at(doc: Any, path: _tomltext.Path) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@settings(max_examples=200, deadline=None)
@given(documents())
def test_every_literal_is_found_where_tomllib_has_it(document: tuple[str, int]) -> None:
    text, count = document
    doc = tomllib.loads(text)
    found = _tomltext.strings(text)
    assert len(found) == count
    for literal in found:
        assert at(doc, literal.path) == literal.value
        assert text[literal.start : literal.end] == literal.quote + literal.value + literal.quote


def test_apply_replaces_only_the_literals_and_checks_the_result() -> None:
    text = '[a]\nx = "1.0"  # keep\ny = ["1.0", \'2.0\']\n'
    literals = {s.path: s for s in _tomltext.strings(text)}
    edited = _tomltext.apply(text, {literals[("a", "y", 1)]: "2.1", literals[("a", "x")]: "1.1"})
    assert edited == '[a]\nx = "1.1"  # keep\ny = ["1.0", \'2.1\']\n'


@pytest.mark.parametrize("value", ['has "quotes"', "back\\slash", "new\nline"])
def test_apply_refuses_values_a_literal_cannot_hold(value: str) -> None:
    text = 'x = "1.0"\n'
    [literal] = _tomltext.strings(text)
    with pytest.raises(EditError):
        _tomltext.apply(text, {literal: value})

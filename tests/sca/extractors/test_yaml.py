"""The YAML loader shared by the YAML lockfile extractors and the repository settings.

PyYAML is the reference where YAML 1.1 (PyYAML) and the 1.2 core schema (this loader)
agree: on every YAML fixture of the repository, and on whatever PyYAML writes when told
to quote the strings that the two schemas read differently.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.sca.extractors import _yaml
from bastion.sca.extractors.base import ExtractionError

EXTRACTORS = Path(__file__).parent
YAML_FIXTURES = sorted(
    [
        *EXTRACTORS.rglob("*.yaml"),
        *EXTRACTORS.rglob("*.yml"),
        *(EXTRACTORS / "dart" / "testdata").glob("*.lock"),
        *(EXTRACTORS / "cocoapods" / "testdata").glob("*.lock"),
        *(EXTRACTORS / "npm" / "testdata").glob("yarn-berry*.lock"),
        *(EXTRACTORS / "npm" / "testdata").glob("yarn-berry*/yarn.lock"),
    ]
)
PathParts = tuple[str | int, ...]


def _pyyaml_lines(node: yaml.Node, path: PathParts = ()) -> dict[PathParts, list[int]]:
    """1-based line of each entry of every block collection under ``node``, by path."""
    found: dict[PathParts, list[int]] = {}
    if isinstance(node, yaml.MappingNode):
        if not node.flow_style and node.value:
            found[path] = [key.start_mark.line + 1 for key, _ in node.value]
        for key, value in node.value:
            found.update(_pyyaml_lines(value, (*path, key.value)))
    elif isinstance(node, yaml.SequenceNode):
        if not node.flow_style and node.value:
            found[path] = [item.start_mark.line + 1 for item in node.value]
        for index, item in enumerate(node.value):
            found.update(_pyyaml_lines(item, (*path, index)))
    return found


def _our_lines(document: _yaml.Document, path: PathParts, data: object) -> list[int]:
    if isinstance(data, dict):
        return list(_yaml.key_lines(document, *path).values())
    return _yaml.item_lines(document, *path)


def _at(data: object, path: PathParts) -> object:
    for part in path:
        data = data[part]  # type: ignore[index]
    return data


@pytest.mark.parametrize("fixture", YAML_FIXTURES, ids=lambda p: str(p.relative_to(EXTRACTORS)))
def test_fixtures_load_as_pyyaml_loads_them(fixture: Path) -> None:
    text = fixture.read_text()
    documents = _yaml.load_all(text)
    assert [d.data for d in documents] == list(yaml.safe_load_all(text))
    nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    assert len(nodes) == len(documents)
    for document, node in zip(documents, nodes, strict=True):
        assert document.line == node.start_mark.line + 1
        for path, lines in _pyyaml_lines(node).items():
            assert _our_lines(document, path, _at(document.data, path)) == lines, path


def test_fixtures_found() -> None:
    names = {p.name for p in YAML_FIXTURES}
    assert {"pnpm-lock.yaml", "yarn.lock", "dart3.lock", "app.lock"} <= names


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("~", None),
        ("null", None),
        ("NULL", None),
        ("", None),
        ("true", True),
        ("True", True),
        ("FALSE", False),
        ("0", 0),
        ("-12", -12),
        ("+12", 12),
        ("0o17", 15),
        ("0x1F", 31),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("-.5E-1", -0.05),
        ("1.", 1.0),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        # YAML 1.1 only: strings in 1.2 (PyYAML reads bools, ints, floats or dates).
        ("yes", "yes"),
        ("off", "off"),
        ("1_000", "1_000"),
        ("1:30", "1:30"),
        ("2024-01-01", "2024-01-01"),
        ("0b101", "0b101"),
        ("0777", 777),  # decimal in 1.2, octal in 1.1
        ("nULL", "nULL"),
        ("1.2.3", "1.2.3"),
        ("0x", "0x"),
        ("-", "-"),
    ],
)
def test_plain_scalars(text: str, value: object) -> None:
    assert _yaml.resolve_plain(text) == value
    assert type(_yaml.resolve_plain(text)) is type(value)


def test_nan() -> None:
    value = _yaml.resolve_plain(".NaN")
    assert isinstance(value, float)
    assert math.isnan(value)


def test_quoted_and_block_scalars_stay_strings() -> None:
    [document] = _yaml.load_all("a: '1'\nb: \"true\"\nc: |\n  ~\nd: >-\n  12\ne: ''\n")
    assert document.data == {"a": "1", "b": "true", "c": "~\n", "d": "12", "e": ""}


def test_keys_are_strings_as_written() -> None:
    [document] = _yaml.load_all("1: a\ntrue: b\n~: c\n0x10: d\n'q': e\n")
    assert document.data == {"1": "a", "true": "b", "~": "c", "0x10": "d", "q": "e"}


def test_documents() -> None:
    text = "# c\n%YAML 1.2\n---\na: 1\n---\n- x\n...\n---\n"
    documents = _yaml.load_all(text)
    assert [d.data for d in documents] == [{"a": 1}, ["x"], None]
    assert [d.line for d in documents] == [4, 6, 8]
    assert _yaml.key_lines(documents[0]) == {"a": 4}
    assert _yaml.item_lines(documents[1]) == [6]
    assert _yaml.load_all("") == []
    assert _yaml.load_all("# nothing\n") == []


def test_aliases_share_the_anchored_value() -> None:
    [document] = _yaml.load_all("a: &x {b: [1]}\nc: *x\n&k key: 1\n*k : 2\nd: &s 3\ne: *s\n")
    assert document.data == {"a": {"b": [1]}, "c": {"b": [1]}, "key": 2, "d": 3, "e": 3}
    assert isinstance(document.data, dict)
    assert document.data["a"] is document.data["c"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: *nowhere\n", "alias *nowhere has no anchor before it"),
        ("a: &x [*x]\n", "alias *x refers to a node containing it"),
        ("a: &x [1]\n*x : 2\n", "alias *x of a collection used as a key"),
        ("a: !!binary aGk=\n", "cannot be read as !!binary"),
        ("a: !custom x\n", "cannot be read as !custom"),
        ("a: !!int x\n", "'x' cannot be read as !!int"),
        ("a: !!set {b}\n", "tag !!set on a collection"),
        ('a: "\\ud800"\n', "an escape names no Unicode character"),
    ],
)
def test_refused(text: str, message: str) -> None:
    with pytest.raises(ExtractionError, match=re.escape(message)):
        _yaml.load_all(text)


def test_core_tags() -> None:
    text = "a: !!str 1\nb: !!int '2'\nc: !!float 3\nd: !!bool 'true'\ne: !!null ''\nf: ! 4\n"
    [document] = _yaml.load_all(text)
    assert document.data == {"a": "1", "b": 2, "c": 3.0, "d": True, "e": None, "f": "4"}
    assert isinstance(document.data, dict)
    assert isinstance(document.data["c"], float)


def test_syntax_errors_carry_the_line() -> None:
    with pytest.raises(ExtractionError) as caught:
        _yaml.load_all("a: 1\nb: [\n")
    assert caught.value.message.startswith("invalid YAML: ")
    assert caught.value.line == 3


def test_line_breaks() -> None:
    [document] = _yaml.load_all("a:\r\n  b: 1\r\n  c: 2\rd: 3\n")
    assert document.data == {"a": {"b": 1, "c": 2}, "d": 3}
    assert _yaml.key_lines(document, "a") == {"b": 2, "c": 3}
    assert _yaml.key_lines(document) == {"a": 1, "d": 4}


def test_lines_of_nested_and_compact_collections() -> None:
    text = (
        "top:\n"
        "- name: a  # comment\n"
        "  deps:\n"
        "    - x\n"
        "\n"
        "    - &y y\n"
        "- - inner\n"
        "  - !!str other\n"
        "flow: {a: 1, b: 2}\n"
        "'quoted key': &anchor\n"
        "  k: v\n"
        "explicit:\n"
        "  ? k\n"
        "  : v\n"
    )
    [document] = _yaml.load_all(text)
    assert _yaml.item_lines(document, "top") == [2, 7]
    assert _yaml.key_lines(document, "top", 0) == {"name": 2, "deps": 3}
    assert _yaml.item_lines(document, "top", 0, "deps") == [4, 6]
    assert _yaml.item_lines(document, "top", 1) == [7, 8]
    assert _yaml.key_lines(document, "quoted key") == {"k": 11}
    assert _yaml.key_lines(document) == {"top": 1, "flow": 9, "quoted key": 10, "explicit": 12}
    # Flow style has no lines; nor has a mapping with an explicit "? " key.
    assert _yaml.key_lines(document, "flow") == {}
    assert _yaml.key_lines(document, "explicit") == {}
    # Paths that lead nowhere.
    assert _yaml.key_lines(document, "top") == {}
    assert _yaml.item_lines(document, "top", 5) == []
    assert _yaml.key_lines(document, "missing", "deeper") == {}


@pytest.mark.xfail(strict=True, reason="rapidyaml 0.15 refuses these valid documents")
@pytest.mark.parametrize(
    "text",
    [
        # A plain key starting with ".", "-" or ":" after a sequence at its key's indentation.
        "a:\n- x\n.b: 1\n",
        "a:\n- x\n-b: 1\n",
        "- a:\n  - x\n  :b: 1\n",
        "? ''\n: ? ''\n  : null\n",  # a compact mapping as the value of an explicit key
        " a: 1\n...\n",  # an indented top-level mapping ended by "..."
    ],
)
def test_rapidyaml_limitations(text: str) -> None:
    assert [d.data for d in _yaml.load_all(text)] == list(yaml.safe_load_all(text))


def test_changing_the_data_breaks_nothing() -> None:
    [document] = _yaml.load_all("a:\n  b: 1\n  c: 2\nd:\n  e: 3\n")
    assert isinstance(document.data, dict)
    assert _yaml.key_lines(document, "a") == {"b": 2, "c": 3}
    document.data["a"].pop("b")
    document.data["d"].pop("e")
    assert _yaml.key_lines(document, "a") == {"b": 2, "c": 3}  # found before the change
    assert _yaml.key_lines(document, "d") == {}  # the data no longer matches the text


def test_duplicate_keys_keep_the_last_value() -> None:
    [document] = _yaml.load_all("a: 1\nb: 2\na: 3\n")
    assert document.data == {"a": 3, "b": 2}
    assert _yaml.key_lines(document) == {}  # which line is "a"'s is not worth guessing


# --- properties -------------------------------------------------------------------------

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.text(alphabet=st.sampled_from("ab:-?[]{},#&*!|>'\"\\ \t\n%.~0123456789")) | st.text())
def test_any_text_loads_or_is_refused(text: str) -> None:
    error: ExtractionError | None = None
    documents: list[_yaml.Document] = []
    try:
        documents = _yaml.load_all(text)
    except ExtractionError as exc:
        error = exc
    if error is not None:
        assert error.message.startswith("invalid YAML: ")
        assert error.line is None or error.line >= 1
    last_line = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for document in documents:
        assert document.line is None or 1 <= document.line <= last_line
        paths: list[PathParts] = [()]
        while paths:
            path = paths.pop()
            value = _at(document.data, path)
            lines = _our_lines(document, path, value)
            assert all(1 <= line <= last_line for line in lines)
            if isinstance(value, dict) and len(path) < 4:
                paths += [(*path, key) for key in value]
            elif isinstance(value, list) and len(path) < 4:
                paths += [(*path, index) for index in range(len(value))]


@pytest.mark.parametrize("depth", [255, 256, 257, 50_000])
@pytest.mark.parametrize("style", ["flow", "anchored flow", "block sequence", "block mapping"])
def test_nesting_is_limited(depth: int, style: str) -> None:
    if style == "flow":
        text = "[" * depth + "]" * depth
    elif style == "anchored flow":  # anchors are read another way, in document order
        text = "- &a " + "[" * (depth - 1) + "]" * (depth - 1) + "\n- *a\n"
    elif style == "block sequence":
        text = "- " * depth + "x"
    else:
        if depth > 1000:
            pytest.skip("the text would be quadratic in size")
        text = "".join(f"{' ' * level}k:\n" for level in range(depth)) + " " * depth + "x\n"
    if depth > _yaml.MAX_DEPTH:
        with pytest.raises(ExtractionError, match="nested more than 256 levels deep"):
            _yaml.load_all(text)
    else:
        [document] = _yaml.load_all(text)
        assert document.data


@SETTINGS
@given(
    digits=st.text(alphabet="0123456789", min_size=1, max_size=6000),
    sign=st.sampled_from(["", "-", "+"]),
)
def test_long_integers(digits: str, sign: str) -> None:
    [document] = _yaml.load_all(f"n: {sign}{digits}\nq: '{digits}'\n")
    assert isinstance(document.data, dict)
    if len(sign + digits) > _yaml.MAX_INT_DIGITS:
        assert document.data["n"] == sign + digits
    else:
        assert document.data["n"] == int(sign + digits)
    assert document.data["q"] == digits


@pytest.mark.parametrize("prefix", ["0x", "0o"])
def test_long_hex_and_octal_integers(prefix: str) -> None:
    text = prefix + "7" * 5000
    assert _yaml.resolve_plain(text) == text
    assert _yaml.resolve_plain(prefix + "17") == int("17", 16 if prefix == "0x" else 8)


_BREAKS = frozenset("\n\r\x85\u2028\u2029")  # line breaks, to YAML 1.1


class _Dumper(yaml.SafeDumper):
    """PyYAML's writer, quoting also the strings YAML 1.2 reads as numbers (``1e3``)."""


_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
_Dumper.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"0o[0-7]+$"), ["0"])

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["1e3", "0o17", "yes", "1_0", "2020-01-01", "a: b", "- x", "#", "'", "&a"])
    # Long enough for PyYAML to fold it over several lines.
    | st.text(alphabet=st.sampled_from("ab :#-\n'\"\t"), min_size=60, max_size=200)
)
# Keys rapidyaml 0.15 refuses where PyYAML writes them: empty or on several lines (written
# after "? ", and as ": ? key" when first in a mapping that is a value), or starting with
# ".", "-" or ":" after a sequence at its key's indentation (test_rapidyaml_limitations).
KEYS = st.text(min_size=1, max_size=12).filter(
    lambda key: not _BREAKS.intersection(key) and not key.startswith((".", "-", ":"))
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=DATA, flow=st.sampled_from([False, None]), indent=st.sampled_from([2, 4]))
def test_what_pyyaml_writes_reads_back(data: object, flow: bool | None, indent: int) -> None:
    text = yaml.dump(data, Dumper=_Dumper, default_flow_style=flow, indent=indent)
    [document] = _yaml.load_all(text)
    assert document.data == data
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    assert node is not None
    for path, lines in _pyyaml_lines(node).items():
        assert _our_lines(document, path, _at(document.data, path)) == lines, path


# Hand-written-looking block YAML: comments and blank lines anywhere, several indentation
# widths, compact and nested sequences, properties, block and multi-line scalars, flow
# collections over several lines, document markers.
_PLAIN = st.sampled_from(["a", "b c", "1", "x#y", "-x", "true", "~", "url://x", "a:b", "é"])
_KEY = st.sampled_from(["a", "c d", "'q'", '"d q"', "'it''s'", '"e\\tx"', "-k", "k.x", "&an k"])


@st.composite
def _scalar(draw: st.DrawFn, indent: int) -> str:
    pad = " " * (indent + draw(st.integers(1, 3)))
    return draw(
        st.sampled_from(
            [
                " " + draw(_PLAIN),
                " " + draw(_PLAIN) + "  # trailing",
                " 'a: b'",
                ' "a\\nb"',
                " first\n" + pad + "second",
                " [a, b]",
                " {a: 1, b: [2]}",
                " [a,\n" + pad + "b]",
                f" {draw(st.sampled_from(['|', '>-']))}\n{pad}text\n\n{pad}# not a comment",
            ]
        )
    )


def _filler(draw: st.DrawFn, indent: int) -> list[str]:
    lines = ["", "   ", " " * draw(st.integers(0, indent + 3)) + "# comment"]
    return draw(st.lists(st.sampled_from(lines), max_size=2))


@st.composite
def _block(draw: st.DrawFn, indent: int, depth: int, first: str | None = None) -> list[str]:
    """A block collection at ``indent``; ``first`` replaces the first line's indentation."""
    is_map = draw(st.booleans())
    lines: list[str] = []
    for index in range(draw(st.integers(1, 3))):
        lead = first if index == 0 and first is not None else " " * indent
        lines += _filler(draw, indent) if index else []
        nested = draw(st.integers(0, 3)) if depth < 2 else 0
        if not is_map:
            lines += draw(_item(indent, depth, lead))
            continue
        key = draw(_KEY)  # made unique: a key written twice has no line
        key = f"{key[:-1]}{index}{key[-1]}" if key[-1] in "'\"" else f"{key}{index}"
        if nested == 0:
            lines.append(f"{lead}{key}:{draw(_scalar(indent))}")
        elif nested == 1:
            lines.append(lead + key + ":" + draw(st.sampled_from(["", " &x", " !!map", " # c"])))
            lines += _filler(draw, indent)
            lines += draw(_block(indent + draw(st.integers(1, 4)), depth + 1))
        elif nested == 2:  # a sequence at its key's indentation
            lines.append(f"{lead}{key}:")
            for _ in range(draw(st.integers(1, 2))):
                lines += draw(_item(indent, depth + 1, " " * indent))
        else:
            lines.append(f"{lead}{key}: null")
    return lines


@st.composite
def _item(draw: st.DrawFn, indent: int, depth: int, lead: str) -> list[str]:
    nested = draw(st.integers(0, 3)) if depth < 2 else 0
    if nested == 0:
        return [f"{lead}-{draw(_scalar(indent))}"]
    if nested == 1:  # a collection starting on the item's line
        gap = draw(st.integers(1, 2))
        return draw(_block(indent + 1 + gap, depth + 1, first=lead + "-" + " " * gap))
    if nested == 2:  # a collection starting on the next line
        props = draw(st.sampled_from(["", " &y", " # c"]))
        return [lead + "-" + props, *draw(_block(indent + draw(st.integers(1, 3)), depth + 1))]
    return [lead + "-"]


@st.composite
def _documents(draw: st.DrawFn) -> str:
    start = draw(st.sampled_from(["", "---\n", "# head\n\n", "--- # c\n", "%YAML 1.2\n---\n"]))
    body = "\n".join(draw(_block(draw(st.sampled_from([0, 0, 1, 2])), 0)))
    end = draw(st.sampled_from(["\n", "", "\n...\n", "\n---\nsecond: doc\n", "\n\n# tail\n"]))
    return start + body + end


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_documents())
def test_lines_of_handwritten_yaml_are_pyyaml_lines(text: str) -> None:
    try:
        expected = list(yaml.safe_load_all(text))
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        documents = _yaml.load_all(text)
    except (yaml.YAMLError, ExtractionError):
        return  # the generator's indentation is not always valid YAML
    if [d.data for d in documents] != expected:
        return  # a key such as 10 (keys stay strings)
    for document, node in zip(documents, nodes, strict=True):
        assert document.line == node.start_mark.line + 1
        for path, lines in _pyyaml_lines(node).items():
            assert _our_lines(document, path, _at(document.data, path)) == lines, path

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.go.gomod import GoModExtractor

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = GoModExtractor()

# (name, version, direct, line, note)
Row = tuple[str, str | None, bool, int | None, str | None]


def extract(data: bytes) -> list[Dependency]:
    return EXTRACTOR.extract(ExtractInput(PurePosixPath("go.mod"), data))


EXPECTED: dict[str, list[Row]] = {
    "replace-forms.mod": [
        (
            "github.com/a/same",
            "v1.3.2",
            True,
            8,
            "github.com/a/same v1.0.0 replaced by github.com/a/same v1.3.2 (go.mod line 20)",
        ),
        # Another module replaces it: that one is built, so advisories are about it.
        (
            "github.com/acme/fork",
            "v1.2.1-acme",
            True,
            9,
            "github.com/b/fork v1.2.0 replaced by github.com/acme/fork v1.2.1-acme "
            "(go.mod line 23)",
        ),
        (
            "github.com/c/local",
            None,
            True,
            10,
            "replaced by local path ../local/c (go.mod line 24), no version",
        ),
        (
            "github.com/d/pinned",
            "v1.5.1",
            True,
            11,
            "github.com/d/pinned v1.5.0 replaced by github.com/d/pinned v1.5.1 (go.mod line 25)",
        ),
        # The replace names v1.0.0; v2.0.0+incompatible is required, so it does not apply.
        ("github.com/e/other-version", "v2.0.0+incompatible", True, 12, None),
        ("golang.org/x/sys", "v0.1.0", False, 13, None),
        ("golang.org/x/tools", "v0.2.0", False, 14, None),
        ("github.com/f/single", "v0.0.0-20200101000000-abcdefabcdef", True, 17, None),
    ],
    "quoting-and-comments.mod": [
        ("github.com/quoted/path", "v1.0.0", True, 7, None),
        ("github.com/raw/path", "v2.0.0", True, 8, None),
        ("github.com/nospace/comment", "v1.1.0", False, 9, None),
        ('github.com/escaped"quote', "v0.1.0", True, 10, None),
        ("github.com/inline/one", "v0.5.0", False, 13, None),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    deps = extract((TESTDATA / fixture).read_bytes())
    assert [(d.name, d.version, d.direct, d.line, d.note) for d in deps] == EXPECTED[fixture]
    for dep in deps:
        assert dep.ecosystem is Ecosystem.GO
        assert (dep.source, dep.extractor, dep.group) == ("go.mod", "go/gomod", None)
        # go.mod has no graph: a direct requirement is its own path, an indirect one's
        # route is unknown.
        assert dep.path == ((dep.name,) if dep.direct else ())


def test_go_directive_is_not_a_package() -> None:
    assert extract(b"module example.com/m\n\ngo 1.20\ntoolchain go1.20.3\n") == []


@pytest.mark.parametrize(
    ("fixture", "message", "line"),
    [
        ("unclosed-block.mod", "'require (' block is never closed", 3),
        ("require-without-version.mod", "usage: require module/path v1.2.3", 3),
        ("unterminated-quote.mod", "unterminated quoted string", 3),
        (
            "replace-without-version.mod",
            "replacement module github.com/c/d needs a version (or a ./local path)",
            4,
        ),
    ],
)
def test_broken(fixture: str, message: str, line: int) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract((TESTDATA / fixture).read_bytes())
    assert caught.value.message.startswith(message)
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("require (\n  a v1 )\n", "unexpected parenthesis inside a block"),
        ("require a v1 (\n", "unexpected parenthesis"),
        ("replace a v1\n", "usage: replace"),
        ("replace a => ./x v1.0.0\n", "a local replacement (./x) takes no version"),
        ('require "" v1.0.0\n', "empty module path"),
        ("require a/b v1 extra\n", "usage: require"),
        ("require a/b => v1\n", "usage: require"),
    ],
)
def test_malformed_lines(text: str, message: str) -> None:
    with pytest.raises(ExtractionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        extract(text.encode())


def test_local_replacement_spellings() -> None:
    text = "require (\n a v1.0.0\n b v1.0.0\n c v1.0.0\n)\nreplace a => ./a\nreplace b => /abs/b\n"
    text += "replace c => C:\\src\\c\n"
    deps = extract(text.encode())
    assert [(d.name, d.version) for d in deps] == [("a", None), ("b", None), ("c", None)]


def test_shared_go_app(shared: Path) -> None:
    deps = extract((shared / "fixtures" / "go-app" / "go.mod").read_bytes())
    assert len(deps) == 16
    assert sum(not d.direct for d in deps) == 3
    gogo = next(d for d in deps if d.name == "github.com/gogo/protobuf")
    assert gogo.version == "v1.3.2"
    assert gogo.note is not None
    assert "replaced" in gogo.note
    jwt = next(d for d in deps if d.name == "github.com/dgrijalva/jwt-go")
    assert (jwt.version, jwt.line) == ("v3.2.0+incompatible", 6)
    assert not any(d.name in ("stdlib", "go", "toolchain") for d in deps)

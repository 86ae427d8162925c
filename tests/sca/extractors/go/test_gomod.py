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
        # "toolchain go1.21.5" (line 5): the standard library the module is built with.
        ("stdlib", "1.21.5", True, 5, None),
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
        (
            "stdlib",
            None,
            True,
            4,
            "go directive 1.22 is a language minimum, not a toolchain; add a toolchain "
            "directive to match standard-library advisories",
        ),
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
        group = "stdlib" if dep.name == "stdlib" else None
        assert (dep.source, dep.extractor, dep.group) == ("go.mod", "go/gomod", group)
        # go.mod has no graph: a direct requirement is its own path, an indirect one's
        # route is unknown.
        assert dep.path == ((dep.name,) if dep.direct else ())


@pytest.mark.parametrize(
    ("text", "version", "line", "note"),
    [
        ("go 1.20\ntoolchain go1.21.3\n", "1.21.3", 2, None),
        ("toolchain go1.21rc2\n", "1.21.0-rc.2", 1, None),
        ("toolchain go1.9beta1\n", "1.9.0-beta.1", 1, None),
        # Before Go 1.21 the first release of a line had no ".0".
        ("toolchain go1.20\n", "1.20.0", 1, None),
        (
            "toolchain go1.21.3-bigcorp\n",
            "1.21.3",
            1,
            "toolchain go1.21.3-bigcorp is a custom build; matched as Go 1.21.3",
        ),
        ("toolchain gccgo\n", None, 1, "toolchain gccgo is not a Go release name"),
        # "default" defers to the go line, which is only a language minimum.
        (
            "go 1.21.0\ntoolchain default\n",
            None,
            1,
            "go directive 1.21.0 is a language minimum, not a toolchain; add a toolchain "
            "directive to match standard-library advisories",
        ),
        ("toolchain default\n", None, 1, "toolchain default names no Go version"),
    ],
)
def test_stdlib_version(text: str, version: str | None, line: int, note: str | None) -> None:
    [stdlib] = extract(("module example.com/m\n" + text).encode())
    # The fixture text starts on line 2, after the module line.
    assert (stdlib.name, stdlib.version, stdlib.line, stdlib.note) == (
        "stdlib",
        version,
        line + 1,
        note,
    )
    assert (stdlib.direct, stdlib.group, stdlib.path) == (True, "stdlib", ("stdlib",))


def test_no_go_line_no_stdlib() -> None:
    assert extract(b"module example.com/m\n") == []


def test_excluded_requirement_is_kept_with_a_note() -> None:
    text = (
        "go 1.21\nrequire (\n\ta v1.0.0\n\tb v2.0.0 // indirect\n)\n"
        "exclude a v1.0.0\nexclude (\n\tb v1.0.0\n\tc v0.1.0\n)\n"
    )
    deps = extract(text.encode())
    assert [(d.name, d.version, d.note) for d in deps[1:]] == [
        (
            "a",
            "v1.0.0",
            "a v1.0.0 is excluded (go.mod line 6): the go command ignores this requirement "
            "and selects another version",
        ),
        # Another version of b is excluded: the required one is unaffected.
        ("b", "v2.0.0", None),
    ]


def extract_dir(directory: str) -> list[Dependency]:
    root = TESTDATA / directory

    def read(relative: PurePosixPath) -> bytes | None:
        path = root / relative
        return path.read_bytes() if path.is_file() else None

    return EXTRACTOR.extract(
        ExtractInput(PurePosixPath("go.mod"), (root / "go.mod").read_bytes(), read)
    )


# go116-app and go117-app: produced by go 1.19.8 (Debian golang-go) with `go mod tidy` and
# `go mod vendor` against a local file:// GOPROXY holding small hand-made modules
# (example.com/...), so go.sum and vendor/modules.txt are the go command's own output.
def test_go116_adds_go_sum_modules() -> None:
    deps = extract_dir("go116-app")
    assert [(d.name, d.version, d.direct, d.line) for d in deps] == [
        ("stdlib", None, True, 3),
        ("example.com/greet", "v1.2.0", True, 6),
        ("example.com/lib", "v1.0.0", True, 7),
        ("example.com/localmod", None, True, 8),
        ("example.com/fork", "v1.0.1", True, 9),
        # Not in go.mod (go 1.16 lists only direct requirements): from go.sum.
        ("example.com/util", "v0.2.0", False, None),
        ("example.com/util", "v0.3.0", False, None),
    ]
    old, new = deps[-2:]
    assert old.note == (
        "from go.sum line 7: go 1.16 go.mod files list no indirect requirements; go.sum has "
        "only its go.mod checksum, so it may not be built"
    )
    assert new.note == "from go.sum line 8: go 1.16 go.mod files list no indirect requirements"
    assert (new.path, new.group) == ((), None)


def test_go117_ignores_go_sum() -> None:
    deps = extract_dir("go117-app")
    assert [(d.name, d.version, d.direct) for d in deps] == [
        ("stdlib", None, True),
        ("example.com/greet", "v1.2.0", True),
        ("example.com/lib", "v1.0.0", True),
        ("example.com/localmod", None, True),
        ("example.com/fork", "v1.0.1", True),
        ("example.com/util", "v0.3.0", False),
    ]


@pytest.mark.parametrize(
    ("go_sum", "message"),
    [
        (b"example.com/a v1.0.0\n", "go.sum line 1: malformed line 'example.com/a v1.0.0'"),
        (b"\xff\n", "go.sum is not UTF-8 text"),
    ],
)
def test_broken_go_sum(go_sum: bytes, message: str) -> None:
    source = ExtractInput(
        PurePosixPath("svc/go.mod"),
        b"module m\n\ngo 1.15\n",
        lambda p: go_sum if p == PurePosixPath("svc/go.sum") else None,
    )
    with pytest.raises(ExtractionError, match=message):
        EXTRACTOR.extract(source)


def test_go_sum_dedupes_and_skips_required_and_replaced_modules() -> None:
    go_mod = b"module m\nrequire a v1.0.0\nreplace a => fork v1.1.0\nreplace b v1.0.0 => ./b\n"
    go_sum = (
        b"a v0.9.0/go.mod h1:x=\nfork v1.1.0 h1:x=\nb v1.0.0/go.mod h1:x=\n\n"
        b"c v1.0.0 h1:x=\nc v1.0.0/go.mod h1:x=\n"
    )
    source = ExtractInput(PurePosixPath("go.mod"), go_mod, lambda _: go_sum)
    deps = EXTRACTOR.extract(source)
    # No go line: Go reads the module as go 1.16.
    assert [(d.name, d.version, d.note) for d in deps] == [
        ("fork", "v1.1.0", "a v1.0.0 replaced by fork v1.1.0 (go.mod line 3)"),
        ("c", "v1.0.0", "from go.sum line 5: go 1.16 go.mod files list no indirect requirements"),
    ]


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
    # "go 1.20" and no toolchain: stdlib is listed without a version, so the end-to-end
    # scan matches no standard-library advisory.
    stdlib = deps.pop(0)
    assert (stdlib.name, stdlib.version, stdlib.line) == ("stdlib", None, 3)
    assert len(deps) == 16
    assert sum(not d.direct for d in deps) == 3
    gogo = next(d for d in deps if d.name == "github.com/gogo/protobuf")
    assert gogo.version == "v1.3.2"
    assert gogo.note is not None
    assert "replaced" in gogo.note
    jwt = next(d for d in deps if d.name == "github.com/dgrijalva/jwt-go")
    assert (jwt.version, jwt.line) == ("v3.2.0+incompatible", 6)
    assert not any(d.name in ("stdlib", "go", "toolchain") for d in deps)

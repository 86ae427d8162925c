from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.go.vendormodules import GoVendorModulesExtractor

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = GoVendorModulesExtractor()
MODULES_TXT = PurePosixPath("vendor/modules.txt")

# (name, version, direct, line, note)
Row = tuple[str, str | None, bool, int, str | None]

FORK_NOTE = "example.com/old v1.0.0 replaced by example.com/fork v1.0.1"
LOCAL_NOTE = "replaced by local path ./localmod, no version"


def extract_app(app: str, with_go_mod: bool = True) -> list[Dependency]:
    """vendor/modules.txt of a testdata app, with its go.mod readable or not."""
    root = TESTDATA / app

    def read(relative: PurePosixPath) -> bytes | None:
        path = root / relative
        return path.read_bytes() if with_go_mod and path.is_file() else None

    return EXTRACTOR.extract(ExtractInput(MODULES_TXT, (root / MODULES_TXT).read_bytes(), read))


def extract(data: bytes) -> list[Dependency]:
    return EXTRACTOR.extract(ExtractInput(MODULES_TXT, data))


def rows(deps: list[Dependency]) -> list[Row]:
    return [(d.name, d.version, d.direct, d.line or 0, d.note) for d in deps]


# go116-app and go117-app come from `go mod vendor` of go 1.19.8 (Debian golang-go), run
# against a local file:// GOPROXY of small hand-made modules; see test_gomod.py.
GO116: list[Row] = [
    ("example.com/greet", "v1.2.0", True, 1, None),
    ("example.com/lib", "v1.0.0", True, 4, None),
    ("example.com/localmod", None, True, 7, LOCAL_NOTE),
    ("example.com/fork", "v1.0.1", True, 10, FORK_NOTE),
    ("example.com/util", "v0.3.0", False, 13, None),
    # Line 15, "# example.com/localmod => ./localmod", is a wildcard replacement: no module.
]


def test_go116_vendor() -> None:
    assert rows(extract_app("go116-app")) == GO116
    # Without go.mod, "## explicit" is all there is, and it is right before Go 1.17.
    assert rows(extract_app("go116-app", with_go_mod=False)) == GO116


def test_go117_vendor_takes_directness_from_go_mod() -> None:
    deps = extract_app("go117-app")
    assert [(d.name, d.direct, d.path) for d in deps] == [
        ("example.com/greet", True, ("example.com/greet",)),
        ("example.com/lib", True, ("example.com/lib",)),
        ("example.com/localmod", True, ("example.com/localmod",)),
        ("example.com/fork", True, ("example.com/fork",)),
        # "## explicit" here, but go.mod requires it "// indirect".
        ("example.com/util", False, ()),
    ]
    without = extract_app("go117-app", with_go_mod=False)
    assert [d.direct for d in without] == [True] * 5


def test_pre_go114_file_without_annotations() -> None:
    # Hand-written in the layout of Go 1.11-1.13 (no "##" lines): every module counts.
    deps = extract((TESTDATA / "vendor-go113.txt").read_bytes())
    assert rows(deps) == [
        ("github.com/pkg/errors", "v0.8.1", False, 1, None),
        ("golang.org/x/text", "v0.3.0", False, 3, None),
        (
            "github.com/acme/yaml",
            "v2.2.3-acme",
            False,
            6,
            "gopkg.in/yaml.v2 v2.2.2 replaced by github.com/acme/yaml v2.2.3-acme",
        ),
    ]


def test_unused_replacements_are_not_modules() -> None:
    # Hand-written after cmd/go's modcmd/vendor.go: replacements that no module used are
    # written last, without packages or annotations.
    deps = extract((TESTDATA / "vendor-unused-replacements.txt").read_bytes())
    assert rows(deps) == [
        ("github.com/google/uuid", "v1.3.0", True, 1, None),
        # "## go 1.17" without "explicit": in the build (it provides a package) but not
        # required by go.mod.
        ("golang.org/x/sys", "v0.5.0", False, 4, None),
        # Explicit but no package vendored: still required, so still reported.
        (
            "golang.org/x/net",
            "v0.8.0",
            True,
            7,
            "golang.org/x/net v0.7.0 replaced by golang.org/x/net v0.8.0",
        ),
    ]
    for dep in deps:
        assert dep.ecosystem is Ecosystem.GO
        assert (dep.source, dep.extractor, dep.group) == (
            "vendor/modules.txt",
            "go/vendormodules",
            None,
        )


def test_unreadable_go_mod_falls_back_to_explicit() -> None:
    data = b"# a v1.0.0\n## explicit\na\n"
    source = ExtractInput(MODULES_TXT, data, lambda _: b"require (\n")
    [dep] = EXTRACTOR.extract(source)
    assert dep.direct


@pytest.mark.parametrize(
    ("fixture", "message", "line"),
    [
        ("vendor-bad-version.txt", "'latest' is not a module version", 4),
        ("vendor-package-first.txt", "package line before any '# module version' line", 1),
    ],
)
def test_broken(fixture: str, message: str, line: int) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract((TESTDATA / fixture).read_bytes())
    assert caught.value.message == message
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# a\n", "expected '# module version'"),
        ("# a v1.0.0 => \n", "expected '# module version => replacement"),
        ("# a v1.0.0 b v1.0.0\n", "expected '# module version => replacement"),
        ("## explicit\n", "annotation before any '# module' line"),
        ("# a v1.0.0\ntwo words\n", "expected a package path, got 'two words'"),
        ("{}", "package line before any"),
    ],
)
def test_malformed_lines(text: str, message: str) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract(text.encode())


@pytest.mark.parametrize(
    ("path", "wanted"),
    [("vendor/modules.txt", True), ("svc/vendor/modules.txt", True), ("modules.txt", False)],
)
def test_wants(path: str, wanted: bool) -> None:
    assert EXTRACTOR.wants(PurePosixPath(path)) is wanted

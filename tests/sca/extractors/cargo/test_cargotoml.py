"""Cargo.toml fixtures are hand-written (crates.io is unreachable here, so no lockfile can
be resolved), but every one was checked with ``cargo metadata --no-deps --offline``
(cargo 1.95.0): the crate names, requirements, kinds, targets and optional flags asserted
below are the ones Cargo itself reported. ``workspace-locked/Cargo.lock`` was produced by
``cargo generate-lockfile --offline`` (cargo 1.95.0; path dependencies only).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.cargo.cargotoml import CargoTomlExtractor

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = CargoTomlExtractor()

# (name, version, group, line, note)
Row = tuple[str, str | None, str | None, int | None, str | None]


def extract_in(tree: str, manifest: str) -> list[Dependency]:
    """Extract ``manifest`` of the testdata tree ``tree``, other files readable."""
    root = TESTDATA / tree

    def read(relative: PurePosixPath) -> bytes | None:
        path = root / relative
        return path.read_bytes() if path.is_file() else None

    path = PurePosixPath(manifest)
    deps = EXTRACTOR.extract(ExtractInput(path, (root / path).read_bytes(), read))
    for dep in deps:
        assert dep.ecosystem is Ecosystem.CRATES_IO
        assert (dep.source, dep.extractor) == (manifest, "cargo/cargotoml")
        # A manifest lists only what the crate itself declares.
        assert dep.direct
        assert dep.path == (dep.name,)
    return deps


def extract(text: str) -> list[Dependency]:
    return EXTRACTOR.extract(ExtractInput(PurePosixPath("Cargo.toml"), text.encode()))


def rows(deps: list[Dependency]) -> list[Row]:
    return [(d.name, d.version, d.group, d.line, d.note) for d in deps]


def unresolved(requirement: str) -> str:
    return f"declared requirement {requirement}, not resolved"


def test_every_kind_of_entry() -> None:
    assert rows(extract_in("manifest", "Cargo.toml")) == [
        # "1.10.2" is Cargo's caret requirement, not a version.
        ("regex", None, None, 8, unresolved("^1.10.2")),
        # An exact requirement is the one version that can be built.
        ("log", "0.4.20", None, 9, None),
        # Renamed: the crate is openssl, "ossl" is only its name in the code.
        ("openssl", None, None, 10, unresolved("^0.10.38")),
        ("tokio", None, None, 11, unresolved(">=1.28, <1.36")),
        ("anyhow", None, None, 12, unresolved("*")),
        ("localdep", None, "local", 13, "from path vendor-local/localdep, no version"),
        (
            "hyper",
            None,
            None,
            14,
            "from git https://github.com/hyperium/hyper (tag v0.14.27), no version",
        ),
        ("private-auth", None, None, 15, "from registry acme; " + unresolved("^2.1")),
        ("serde_json", None, "optional", 16, unresolved("~1.0.100")),
        # [dependencies.serde]: a table of its own, placed at its header.
        ("serde", None, None, 18, unresolved("^1.0.193")),
        ("criterion", None, "dev", 23, unresolved("^0.5")),
        # The same crate in another section is another entry.
        ("regex", None, "dev", 24, unresolved("^1.10.2")),
        ("cc", None, "build", 27, unresolved("^1.0.83")),
        ("winapi", None, None, 30, unresolved("^0.3.9") + "; only for target cfg(windows)"),
        ("nix", "0.27.1", "dev", 33, "only for target cfg(unix)"),
    ]


INHERIT = "declared for the workspace's members to inherit"
UTIL_PATH = "from path crates/util, no version (declared requirement ^0.2.0)"


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        # The virtual root manifest: only [workspace.dependencies].
        (
            "Cargo.toml",
            [
                ("serde", None, None, 7, f"{unresolved('^1.0.193')}; {INHERIT}"),
                ("util", None, "local", 8, f"{UTIL_PATH}; {INHERIT}"),
            ],
        ),
        (
            "crates/core/Cargo.toml",
            [
                ("util", None, "local", 7, f"inherited from [workspace.dependencies]: {UTIL_PATH}"),
                # optional = true is the member's own, on top of the inherited entry.
                (
                    "serde",
                    None,
                    "optional",
                    8,
                    f"inherited from [workspace.dependencies]: {unresolved('^1.0.193')}",
                ),
            ],
        ),
        (
            "crates/cli/Cargo.toml",
            [
                ("core-lib", None, "local", 7, "from path ../core, no version"),
                ("util", None, "dev", 10, f"inherited from [workspace.dependencies]: {UTIL_PATH}"),
            ],
        ),
        # Listed in the workspace's exclude: a crate of its own.
        ("crates/standalone/Cargo.toml", [("itoa", "1.0.9", None, 7, None)]),
    ],
)
def test_workspace(manifest: str, expected: list[Row]) -> None:
    assert rows(extract_in("workspace", manifest)) == expected


def test_member_of_a_locked_workspace_gives_way_to_the_lockfile() -> None:
    # The walker only sees Cargo.lock beside the root manifest (superseded_by); members
    # further down defer to it themselves.
    assert extract_in("workspace-locked", "crates/cli/Cargo.toml") == []
    assert extract_in("workspace-locked", "crates/core/Cargo.toml") == []
    assert EXTRACTOR.superseded_by == frozenset({"Cargo.lock"})


def test_explicit_workspace_root() -> None:
    files = {
        PurePosixPath("ws/Cargo.toml"): b'[workspace]\nmembers = ["../m"]\n'
        b'[workspace.dependencies]\nrand = "=0.8.5"\n',
    }
    manifest = (
        b'[package]\nname = "m"\nworkspace = "../ws"\n[dependencies]\nrand.workspace = true\n'
    )
    source = ExtractInput(PurePosixPath("m/Cargo.toml"), manifest, files.get)
    [dep] = EXTRACTOR.extract(source)
    assert (dep.name, dep.version, dep.line, dep.note) == ("rand", "0.8.5", 5, None)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        (
            "[dependencies]\na = { workspace = true }\n",
            "inherits from its workspace, but no workspace root lists this crate",
        ),
        (
            "[workspace]\n[dependencies]\na = { workspace = true }\n",
            "the workspace has no [workspace.dependencies] a",
        ),
        ("[dependencies]\na = { features = ['x'] }\n", "no version requirement"),
        ("[dependencies]\na = '=1.2'\n", unresolved("=1.2")),
        ("[dependencies]\na = '1.2, <1.5'\n", unresolved("^1.2, <1.5")),
        ("[dependencies]\na = '= 1.2.3-rc.1'\n", None),
    ],
)
def test_versions_and_notes(text: str, note: str | None) -> None:
    # The [dependencies] entry comes last; a [workspace.dependencies] one may precede it.
    dep = extract(text)[-1]
    assert (dep.name, dep.note) == ("a", note)


def test_exact_prerelease() -> None:
    [dep] = extract("[dependencies]\na = '= 1.2.3-rc.1'\n")
    assert (dep.version, dep.note) == ("1.2.3-rc.1", None)


def test_lines_of_dotted_and_quoted_keys() -> None:
    text = (
        '[package]\nname = "x"\ndescription = """\n[dependencies]\nfake = "1"\n"""\n'
        '[dependencies]\n"quoted-name" = "1"\n'
        'dotted.version = "2"\n\n[target."cfg(target_os = \\"linux\\")".dependencies]\n'
        "linux-only = '3'\n"
    )
    deps = extract(text)
    # The multi-line string's lines are text, not a table and a key.
    assert [(d.name, d.line) for d in deps] == [
        ("quoted-name", 8),
        ("dotted", 9),
        ("linux-only", 12),
    ]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("[dependencies]\na = \n", "invalid TOML", 2),
        # tomllib is quadratic in the parts of a dotted key: refused before parsing.
        ("a" + ".a" * 600 + " = 1\n", "invalid TOML: more than 512 dotted key parts", 1),
        # Python refuses to convert integers this long.
        ("x = 1" + "0" * 5000 + "\n", "invalid TOML: Exceeds the limit", None),
        ("dependencies = 3\n", "[dependencies] should be a table", None),
        ("target = 3\n", "[target] should be a table", None),
        ("[target]\nx = 3\n", "[target.x] should be a table", None),
        ("workspace = 3\n", "[workspace] should be a table", None),
        ("[dependencies]\na = 3\n", "dependency a in [dependencies] should be a string", None),
        (
            "[dev-dependencies]\na = { version = 3 }\n",
            "'version' of dependency a in [dev-dependencies] should be a string",
            None,
        ),
    ],
)
def test_broken(text: str, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(text)
    assert caught.value.message.startswith(message)
    assert caught.value.line == line


def test_dots_in_strings_and_comments_do_not_count() -> None:
    text = '[package]\ndescription = "' + "." * 600 + '" # ' + "." * 600 + "\n"
    assert extract(text) == []


def test_shared_rust_app_manifest(shared: Path) -> None:
    # Beside its Cargo.lock the walker never reads it; read on its own it still works.
    deps = extract((shared / "fixtures" / "rust-app" / "Cargo.toml").read_bytes().decode())
    by_name = {d.name: d for d in deps}
    assert "ossl" not in by_name
    assert by_name["openssl"].note == unresolved("^0.10.38")
    assert all(d.version is None for d in deps)
    assert len(deps) == 13

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.cargo.cargolock import CargoLockExtractor

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = CargoLockExtractor()

# (name, version, direct, group, line, path, note)
Row = tuple[str, str, bool, str | None, int | None, tuple[str, ...], str | None]


def extract(data: bytes) -> list[Dependency]:
    return EXTRACTOR.extract(ExtractInput(PurePosixPath("Cargo.lock"), data))


REGEX_GIT = (
    "git+https://github.com/rust-lang/regex?rev=5e98a2c#5e98a2cbcc6a5f34c3dbd5d03a5d0a0b6a1c3f2e"
)

EXPECTED: dict[str, list[Row]] = {
    # Version 1: full "name version (source)" references and a [metadata] table.
    "lockfile-v1.lock": [
        ("getrandom", "0.1.16", False, None, 10, ("rand", "getrandom"), None),
        ("libc", "0.2.80", True, None, 18, ("libc",), None),
        ("rand", "0.7.3", True, None, 23, ("rand",), None),
    ],
    # Version 2: no version key, short references, inline checksums; root listed last.
    "lockfile-v2.lock": [
        ("autocfg", "1.1.0", False, None, 4, ("num-traits", "autocfg"), None),
        ("num-traits", "0.2.17", True, None, 10, ("num-traits",), None),
    ],
    "workspace-v3.lock": [
        # A local crate the root depends on stays; the root "cli" does not.
        ("core-lib", "0.1.0", True, "local", 16, ("core-lib",), "local crate"),
        (
            "internal-auth",
            "2.1.0",
            True,
            None,
            25,
            ("internal-auth",),
            "from another registry (registry+https://crates.example.com/index)",
        ),
        ("legacy-codec", "0.3.0", True, None, 31, ("legacy-codec",), None),
        ("memchr", "2.6.4", False, None, 40, ("core-lib", "regex", "memchr"), None),
        ("regex", "1.10.2", False, None, 46, ("core-lib", "regex"), f"from git ({REGEX_GIT})"),
        ("serde", "1.0.193", True, None, 54, ("serde",), None),
        # Two versions of one crate: references spell out the version.
        ("smallvec", "0.6.14", False, None, 60, ("legacy-codec", "smallvec"), None),
        ("smallvec", "1.11.0", False, None, 66, ("core-lib", "smallvec"), None),
    ],
    # Version 4, two workspace members that nothing depends on: both are roots.
    "two-roots-v4.lock": [
        ("itoa", "1.0.9", True, None, 6, ("itoa",), None),
        ("ryu", "1.0.15", True, None, 27, ("ryu",), None),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    deps = extract((TESTDATA / fixture).read_bytes())
    assert [(d.name, d.version, d.direct, d.group, d.line, d.path, d.note) for d in deps] == (
        EXPECTED[fixture]
    )
    for dep in deps:
        assert dep.ecosystem is Ecosystem.CRATES_IO
        assert (dep.source, dep.extractor) == ("Cargo.lock", "cargo/cargolock")


def test_lines_are_dropped_when_tables_are_not_where_expected() -> None:
    # An inline array of tables has no [[package]] headers to count.
    text = 'package = [{name = "a", version = "1.0.0", source = "registry+x"}]\n'
    [dep] = extract(text.encode())
    assert (dep.name, dep.line) == ("a", None)


def test_unresolvable_reference_only_loses_the_edge() -> None:
    text = (
        '[[package]]\nname = "root"\nversion = "0.1.0"\ndependencies = ["missing", "a"]\n\n'
        '[[package]]\nname = "a"\nversion = "1.0.0"\nsource = "registry+x"\n'
    )
    [dep] = extract(text.encode())
    assert (dep.name, dep.direct, dep.path) == ("a", True, ("a",))


@pytest.mark.parametrize(
    ("fixture", "message", "line"),
    [
        ("invalid-toml.lock", "invalid TOML: Illegal character", 6),
        ("package-is-a-string.lock", "'package' should be an array of tables", None),
        ("package-without-version.lock", "package a has no 'version'", 4),
        ("version-is-a-string.lock", "'version' should be a number, got '3'", None),
    ],
)
def test_broken(fixture: str, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract((TESTDATA / fixture).read_bytes())
    assert caught.value.message.startswith(message)
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[package]]\nversion = "1"\n', "package has no 'name'"),
        ('[[package]]\nname = "a"\nversion = "1"\nsource = 3\n', "'source' of package a"),
        ('[[package]]\nname = "a"\nversion = "1"\ndependencies = "b"\n', "'dependencies'"),
        ('[[package]]\nname = "a"\nversion = "1"\ndependencies = [1]\n', "'dependencies'"),
        ("package = [1]\n", "'package' entries should be tables"),
        ("\x00\x01\x02", "invalid TOML"),
    ],
)
def test_wrong_types(text: str, message: str) -> None:
    with pytest.raises(ExtractionError, match=message):
        extract(text.encode())


def test_shared_rust_app(shared: Path) -> None:
    deps = extract((shared / "fixtures" / "rust-app" / "Cargo.lock").read_bytes())
    assert len(deps) == 15
    assert "acme-edge" not in {d.name for d in deps}
    assert sorted(d.version or "" for d in deps if d.name == "time") == ["0.1.43", "0.3.5"]
    by_key = {(d.name, d.version): d for d in deps}
    assert by_key["time", "0.1.43"].direct is False
    assert by_key["time", "0.1.43"].path == ("chrono", "time")
    assert by_key["time", "0.3.5"].direct is True
    assert by_key["h2", "0.3.16"].path == ("hyper", "h2")
    assert {name for (name, _), d in by_key.items() if not d.direct} == {"h2", "time"}
    assert by_key["atty", "0.2.14"].line == 25


def test_real_workspace_lockfile() -> None:
    # cargo 1.95.0, `cargo generate-lockfile --offline` over testdata/workspace-locked
    # (path dependencies only: crates.io is unreachable here). Every local crate another
    # one depends on is listed; only the root, "cli", is the project itself.
    deps = extract((TESTDATA / "workspace-locked" / "Cargo.lock").read_bytes())
    assert [(d.name, d.version, d.direct, d.group, d.path) for d in deps] == [
        ("core-lib", "0.1.0", True, "local", ("core-lib",)),
        ("util", "0.2.0", True, "local", ("util",)),
    ]

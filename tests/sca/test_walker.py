from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import ClassVar

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca import walker
from bastion.sca.extractors.base import ExtractInput
from bastion.sca.extractors.registry import extractor_for
from bastion.sca.walker import collect

EXTRACTORS_TESTDATA = Path(__file__).parent / "extractors"
LOCK_V3 = EXTRACTORS_TESTDATA / "npm" / "testdata" / "lockfile-v3.json"
GO_MOD = b"module example.com/m\n\nrequire github.com/pkg/errors v0.9.1\n"
CARGO_LOCK = (EXTRACTORS_TESTDATA / "cargo" / "testdata" / "two-roots-v4.lock").read_bytes()


def write(root: Path, relative: str, data: bytes | str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def sources(deps: list[Dependency]) -> list[str]:
    """Each source once, in output order."""
    return list(dict.fromkeys(d.source for d in deps))


def test_finds_every_format_at_any_depth_in_path_order(tmp_path: Path) -> None:
    write(tmp_path, "services/api/go.mod", GO_MOD)
    write(tmp_path, "requirements.txt", "flask==2.0.0\nrequests==2.31.0\n")
    write(tmp_path, "web/package-lock.json", LOCK_V3.read_bytes())
    write(tmp_path, "crates/Cargo.lock", CARGO_LOCK)
    write(tmp_path, "requirements/dev.txt", "pytest==8.0.0\n")
    write(tmp_path, "README.md", "# not a manifest\n")

    deps, issues = collect(tmp_path)

    assert issues == []
    assert sources(deps) == [
        "crates/Cargo.lock",
        "requirements.txt",
        "requirements/dev.txt",
        "services/api/go.mod",
        "web/package-lock.json",
    ]
    python = [(d.name, d.line) for d in deps if d.source == "requirements.txt"]
    assert python == [("flask", 1), ("requests", 2)]  # file order within a file
    assert {d.extractor for d in deps if d.source == "web/package-lock.json"} == {"npm/packagelock"}


def test_output_is_deterministic(tmp_path: Path) -> None:
    for name in ("b", "a", "c/d", "c"):
        write(tmp_path, f"{name}/requirements.txt", "six==1.16.0\n")
    first = collect(tmp_path)
    assert first == collect(tmp_path)
    assert sources(first[0]) == [
        "a/requirements.txt",
        "b/requirements.txt",
        "c/d/requirements.txt",
        "c/requirements.txt",
    ]


def test_broken_file_becomes_an_issue_and_the_walk_goes_on(tmp_path: Path) -> None:
    write(tmp_path, "good/package-lock.json", LOCK_V3.read_bytes())
    write(tmp_path, "bad/package-lock.json", '{\n  "packages": {\n    "node_modules/a": {')
    write(tmp_path, "worse/Cargo.lock", b"\x00\xff\xfe garbage")

    deps, issues = collect(tmp_path)

    assert sources(deps) == ["good/package-lock.json"]
    assert len(deps) == 13
    assert [(i.source, i.line) for i in issues] == [
        ("bad/package-lock.json", 3),
        ("worse/Cargo.lock", None),
    ]
    assert issues[0].message.startswith("invalid JSON")
    assert issues[1].message.startswith("not UTF-8 text")


def test_unexpected_exception_becomes_an_issue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Exploding:
        name: ClassVar[str] = "test/exploding"
        superseded_by: ClassVar[frozenset[str]] = frozenset()

        def wants(self, path: PurePosixPath) -> bool:
            return path.name == "boom.lock"

        def extract(self, source: ExtractInput) -> list[Dependency]:
            raise KeyError("surprise")

    exploding = Exploding()
    monkeypatch.setattr(
        walker, "extractor_for", lambda p: exploding if exploding.wants(p) else extractor_for(p)
    )
    write(tmp_path, "boom.lock", "x")
    write(tmp_path, "requirements.txt", "six==1.16.0\n")

    deps, issues = collect(tmp_path)

    assert [d.name for d in deps] == ["six"]
    assert [(i.source, i.message) for i in issues] == [
        ("boom.lock", "test/exploding failed: KeyError: 'surprise'")
    ]


def test_skips_installed_and_generated_directories(tmp_path: Path) -> None:
    keep = "six==1.16.0\n"
    write(tmp_path, "requirements.txt", keep)
    for skipped in (
        "node_modules/dep/requirements.txt",
        ".git/requirements.txt",
        ".hg/requirements.txt",
        ".svn/requirements.txt",
        ".venv/requirements.txt",
        "venv/lib/requirements.txt",
        "src/__pycache__/requirements.txt",
        "vendor/github.com/x/go.mod",
        "env-with-any-name/requirements.txt",
        "rust/target/debug/requirements.txt",
    ):
        write(tmp_path, skipped, keep)
    write(tmp_path, "env-with-any-name/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, "rust/target/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n")
    # A "target" folder that is not Cargo's build directory is ordinary code.
    write(tmp_path, "deploy/target/requirements.txt", keep)

    deps, issues = collect(tmp_path)

    assert issues == []
    assert sources(deps) == ["deploy/target/requirements.txt", "requirements.txt"]


def test_shrinkwrap_wins_over_package_lock(tmp_path: Path) -> None:
    write(tmp_path, "app/npm-shrinkwrap.json", LOCK_V3.read_bytes())
    write(tmp_path, "app/package-lock.json", "this file must not even be parsed")
    write(tmp_path, "other/package-lock.json", LOCK_V3.read_bytes())

    deps, issues = collect(tmp_path)

    assert issues == []
    assert sources(deps) == ["app/npm-shrinkwrap.json", "other/package-lock.json"]


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ((), ["a/requirements.txt", "docs/requirements.txt", "tests/fixtures/go.mod"]),
        (("tests",), ["a/requirements.txt", "docs/requirements.txt"]),
        (("tests/",), ["a/requirements.txt", "docs/requirements.txt"]),
        (("tests/**",), ["a/requirements.txt", "docs/requirements.txt"]),
        (("./docs/*", "*.mod"), ["a/requirements.txt"]),
        (("*/requirements.txt",), ["tests/fixtures/go.mod"]),
    ],
)
def test_exclude_patterns(tmp_path: Path, patterns: tuple[str, ...], expected: list[str]) -> None:
    write(tmp_path, "a/requirements.txt", "six==1.16.0\n")
    write(tmp_path, "docs/requirements.txt", "sphinx==7.0.0\n")
    write(tmp_path, "tests/fixtures/go.mod", GO_MOD)
    deps, issues = collect(tmp_path, patterns)
    assert issues == []
    assert sources(deps) == expected


def test_single_file_argument(tmp_path: Path) -> None:
    path = write(tmp_path, "deep/dir/go.mod", GO_MOD)
    deps, issues = collect(path)
    assert issues == []
    assert [(d.name, d.source, d.line) for d in deps] == [("github.com/pkg/errors", "go.mod", 3)]


def test_single_unsupported_file(tmp_path: Path) -> None:
    deps, issues = collect(write(tmp_path, "main.go", "package main\n"))
    assert deps == []
    assert [(i.source, i.message) for i in issues] == [
        ("main.go", "not a supported lockfile or manifest")
    ]


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        collect(tmp_path / "nope")


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(walker, "MAX_FILE_BYTES", 64)
    write(tmp_path, "small/requirements.txt", "six==1.16.0\n")
    write(tmp_path, "big/requirements.txt", "six==1.16.0\n" * 20)
    deps, issues = collect(tmp_path)
    assert sources(deps) == ["small/requirements.txt"]
    assert [i.source for i in issues] == ["big/requirements.txt"]
    assert "limit" in issues[0].message


def test_empty_directory(tmp_path: Path) -> None:
    assert collect(tmp_path) == ([], [])


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symlinks(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    outside = write(tmp_path, "outside/requirements.txt", "secret==1.0.0\n")
    inside = write(repo, "real/requirements.txt", "six==1.16.0\n")
    (repo / "linked").mkdir()
    (repo / "linked" / "requirements.txt").symlink_to(inside)
    (repo / "escape").mkdir()
    (repo / "escape" / "requirements.txt").symlink_to(outside)
    (repo / "dangling").mkdir()
    (repo / "dangling" / "requirements.txt").symlink_to(repo / "missing.txt")
    # A directory link could loop forever; it is never followed.
    (repo / "loop").symlink_to(repo, target_is_directory=True)

    deps, issues = collect(repo)

    assert sources(deps) == ["linked/requirements.txt", "real/requirements.txt"]
    assert [(i.source, i.message) for i in issues] == [
        ("escape/requirements.txt", "skipped: symbolic link to outside the scanned tree")
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "requirements.txt")
    assert collect(tmp_path) == ([], [])
    deps, issues = collect(tmp_path / "requirements.txt")
    assert deps == []
    assert [(i.source, i.message) for i in issues] == [
        ("requirements.txt", "skipped: not a regular file")
    ]


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_directory(tmp_path: Path) -> None:
    write(tmp_path, "ok/requirements.txt", "six==1.16.0\n")
    locked = tmp_path / "locked"
    write(tmp_path, "locked/requirements.txt", "six==1.16.0\n")
    locked.chmod(0)
    try:
        deps, issues = collect(tmp_path)
    finally:
        locked.chmod(0o755)
    assert sources(deps) == ["ok/requirements.txt"]
    assert [i.source for i in issues] == ["locked"]


def test_shared_fixture_apps(shared: Path) -> None:
    deps, issues = collect(shared / "fixtures")
    assert issues == []
    counts = {source: sum(d.source == source for d in deps) for source in sources(deps)}
    assert counts == {
        # 16 modules plus stdlib (from "go 1.20", so without a version).
        "go-app/go.mod": 17,
        "npm-app/package-lock.json": 291,
        "python-app/requirements.txt": 30,
        "rust-app/Cargo.lock": 15,
    }


def test_manifest_gives_way_to_its_lockfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Manifest:
        name: ClassVar[str] = "test/manifest"
        superseded_by: ClassVar[frozenset[str]] = frozenset({"requirements.txt"})

        def wants(self, path: PurePosixPath) -> bool:
            return path.name == "manifest.cfg"

        def extract(self, source: ExtractInput) -> list[Dependency]:
            # Reads a sibling through the walker, as lockfile extractors do for manifests.
            sibling = source.sibling("notes.txt") or b"?"
            return [Dependency(sibling.decode(), "1.0", Ecosystem.PYPI, True, str(source.path))]

    manifest = Manifest()
    monkeypatch.setattr(
        walker, "extractor_for", lambda p: manifest if manifest.wants(p) else extractor_for(p)
    )
    write(tmp_path, "a/manifest.cfg", "")
    write(tmp_path, "a/requirements.txt", "six==1.16.0\n")
    write(tmp_path, "b/manifest.cfg", "")
    write(tmp_path, "b/notes.txt", "from-sibling")

    deps, issues = collect(tmp_path)

    assert not issues
    assert sorted((d.source, d.name) for d in deps) == [
        ("a/requirements.txt", "six"),
        ("b/manifest.cfg", "from-sibling"),
    ]


def test_relative_reads_stay_inside_the_tree(tmp_path: Path) -> None:
    write(tmp_path, "outside.txt", "secret")
    write(tmp_path, "repo/inside.txt", "ok")
    reader = walker._RelativeReader(tmp_path / "repo")
    assert reader(PurePosixPath("inside.txt")) == b"ok"
    assert reader(PurePosixPath("sub/../inside.txt")) == b"ok"
    assert reader(PurePosixPath("../outside.txt")) is None
    assert reader(PurePosixPath("/etc/passwd")) is None
    assert reader(PurePosixPath("missing.txt")) is None


def test_packages_from_included_files_keep_their_own_source(tmp_path: Path) -> None:
    write(tmp_path, "app/requirements.txt", "-r base.in\nflask==2.0.0\n")
    write(tmp_path, "app/base.in", "six==1.16.0\n")
    deps, issues = collect(tmp_path)
    assert not issues
    assert sorted((d.source, d.name, d.line) for d in deps) == [
        ("app/base.in", "six", 1),
        ("app/requirements.txt", "flask", 2),
    ]


VENDOR_MODULES = "# github.com/pkg/errors v0.9.1\n## explicit\ngithub.com/pkg/errors\n"


def test_vendor_modules_txt_is_read_only_without_a_go_mod(tmp_path: Path) -> None:
    write(tmp_path, "alone/vendor/modules.txt", VENDOR_MODULES)
    write(tmp_path, "alone/vendor/github.com/pkg/errors/go.mod", "module github.com/pkg/errors\n")
    write(
        tmp_path,
        "mod/go.mod",
        "module example.com/m\n\ngo 1.21\n\nrequire github.com/pkg/errors v0.9.1\n",
    )
    write(tmp_path, "mod/vendor/modules.txt", VENDOR_MODULES)

    deps, issues = collect(tmp_path)

    assert issues == []
    assert sorted({(d.source, d.name) for d in deps if d.name != "stdlib"}) == [
        ("alone/vendor/modules.txt", "github.com/pkg/errors"),
        ("mod/go.mod", "github.com/pkg/errors"),
    ]

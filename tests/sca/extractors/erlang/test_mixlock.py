"""mix.lock fixtures are hand-written (neither Elixir nor hex.pm is available here) in the
layout Mix writes: ``app/`` as Mix 1.14+ does (one sorted entry per line, eight-element
``:hex`` tuples, a ``:git`` entry, a package from a Hex organisation under another name),
``legacy.lock`` as Mix 1.6-era files were (seven- and four-element tuples, no trailing
comma).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.erlang.mixlock import MixLockExtractor

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = MixLockExtractor()

# (name, version, direct, group, line, path, note)
Row = tuple[str, str | None, bool, str | None, int | None, tuple[str, ...], str | None]


def extract_file(fixture: str, with_manifest: bool = True) -> list[Dependency]:
    path = TESTDATA / fixture

    def read(relative: PurePosixPath) -> bytes | None:
        other = path.parent / relative
        return other.read_bytes() if with_manifest and other.is_file() else None

    return check(
        EXTRACTOR.extract(ExtractInput(PurePosixPath("mix.lock"), path.read_bytes(), read))
    )


def extract(text: str) -> list[Dependency]:
    return check(EXTRACTOR.extract(ExtractInput(PurePosixPath("mix.lock"), text.encode())))


def check(deps: list[Dependency]) -> list[Dependency]:
    for dep in deps:
        assert dep.ecosystem is Ecosystem.HEX
        assert (dep.source, dep.extractor) == ("mix.lock", "erlang/mixlock")
    return deps


def rows(deps: list[Dependency]) -> list[Row]:
    return [(d.name, d.version, d.direct, d.group, d.line, d.path, d.note) for d in deps]


LIVE_TOAST = (
    "from git https://github.com/srcrip/live_toast.git@3a8b5e4bdb2f1b0c9c5f2d9a7a8e6b1f0c3d4e5f"
    " (branch main), no version"
)


def test_app_with_mix_exs() -> None:
    assert rows(extract_file("app/mix.lock")) == [
        # Only credo (only: [:dev, :test]) needs it.
        ("bunt", "1.0.0", False, "dev", 2, ("credo", "bunt"), None),
        ("castore", "1.0.5", False, None, 3, ("phoenix", "castore"), None),
        ("credo", "1.7.3", True, "dev", 4, ("credo",), None),
        ("file_system", "1.0.0", False, "dev", 5, ("credo", "file_system"), None),
        # Needed by credo too, but declared in the default group.
        ("jason", "1.4.1", True, None, 6, ("jason",), None),
        ("live_toast", None, True, None, 7, ("live_toast",), LIVE_TOAST),
        ("mime", "2.0.5", False, None, 8, ("phoenix", "plug", "mime"), None),
        ("phoenix", "1.7.10", True, None, 9, ("phoenix",), None),
        ("plug", "1.15.3", False, None, 10, ("phoenix", "plug"), None),
        # Keyed "private_sdk" in the project; the Hex package is acme_sdk.
        ("acme_sdk", "0.9.2", True, None, 11, ("acme_sdk",), "from the Hex organisation acme"),
        ("telemetry", "1.2.1", False, None, 12, ("phoenix", "telemetry"), None),
    ]


def test_without_mix_exs_roots_are_direct() -> None:
    deps = extract_file("app/mix.lock", with_manifest=False)
    assert [d.name for d in deps if d.direct] == ["credo", "live_toast", "phoenix", "acme_sdk"]
    assert {d.group for d in deps} == {None}
    by_name = {d.name: d for d in deps}
    # Reached first through credo (file order breaks the tie between roots).
    assert by_name["jason"].path == ("credo", "jason")


def test_legacy_tuples() -> None:
    assert rows(extract_file("legacy.lock")) == [
        ("cowboy", "1.1.2", True, None, 1, ("cowboy",), None),
        ("cowlib", "1.0.2", False, None, 2, ("cowboy", "cowlib"), None),
        # Four elements: :hex, name, version, checksum.
        ("poison", "3.1.0", True, None, 3, ("poison",), None),
        ("ranch", "1.3.2", False, None, 4, ("cowboy", "ranch"), None),
    ]


def test_old_arrow_keys_other_repositories_and_scms() -> None:
    text = (
        '%{"a" => {:hex, :a, "1.0.0", "x", [:mix], [], "mirror"},\n'
        '  "b" => {:hg, "https://example.com/b", "abc"}, # a comment\n'
        '  "c" => {:git, "https://example.com/c.git", "def", []}}\n'
    )
    assert [(d.name, d.version, d.line, d.note) for d in extract(text)] == [
        ("a", "1.0.0", 1, "from the Hex repository mirror"),
        ("b", None, 2, "from a hg source, no version"),
        ("c", None, 3, "from git https://example.com/c.git@def, no version"),
    ]


@pytest.mark.parametrize("text", ["", "  \n", "%{}\n"])
def test_nothing_locked(text: str) -> None:
    assert extract(text) == []


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("[1]", "not a mix.lock: expected a map '%{'", 1),
        ('%{\n  "a": {:hex, :a, "1.0.0"},\n', "unexpected end of file (truncated?)", 2),
        ('%{"a": {:hex, :a, "1.0.0"}} x', "unexpected text after the map", 1),
        ('%{"a": {:hex, :a, "1.0.0"} "b": 1}', "expected ',' or '}', got 'b'", 1),
        ('%{"a": {:hex, :a, "1.0.0"}, :b => 1}', "unexpected 'b' as a map key", 1),
        ('%{"a" {:hex}}', "expected '=>' after 'a'", 1),
        ('%{"a": 1}', "entry a should be a tuple starting with its SCM", 1),
        ('%{"a": {:hex, "a", "1.0.0"}}', 'entry a should read {:hex, :name, "version", ...}', 1),
        ('%{"a": {:hex, :a, "1.0.0", $}}', "unexpected character '$'", 1),
        ('%{"a": {:hex, :a, "1.0.0", =>}}', "unexpected '=>'", 1),
        ('%{"a": ' + "{" * 100 + "}" * 100 + "}", "nested too deeply", 1),
    ],
)
def test_broken(text: str, message: str, line: int) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(text)
    assert caught.value.message == message
    assert caught.value.line == line


@pytest.mark.parametrize(
    ("mix_exs", "direct"),
    [
        # One-line function form.
        ('defp deps, do: [{:a, "~> 1.0"}, {:b, ">= 0.0.0", only: :test}]', ["a", "b"]),
        # Umbrella projects declare dependencies per app: fall back to the graph.
        ('def project, do: [apps_path: "apps", deps: deps()]\ndefp deps do\n  []\nend', ["a"]),
        # No deps function at all.
        ("defmodule X do\nend", ["a"]),
    ],
)
def test_mix_exs_forms(mix_exs: str, direct: list[str]) -> None:
    lock = '%{"a": {:hex, :a, "1.0.0", "x", [:mix], [{:b, "~> 1.0", []}], "hexpm"},\n'
    lock += '  "b": {:hex, :b, "1.0.0", "x", [:mix], [], "hexpm"}}\n'
    source = ExtractInput(PurePosixPath("mix.lock"), lock.encode(), lambda _: mix_exs.encode())
    assert [d.name for d in EXTRACTOR.extract(source) if d.direct] == direct

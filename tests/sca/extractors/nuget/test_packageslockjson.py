"""NuGet ``packages.lock.json``.

The .NET SDK is not installed here and nuget.org is unreachable, so the lock files are
hand-written after NuGet's documentation and the lock files in google/osv-scanner's
fixtures: version 1 with two target frameworks, a runtime-specific section and project
references, and version 2 with a ``CentralTransitive`` package (central package
management with transitive pinning).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.nuget.packageslockjson import PackagesLockJsonExtractor
from tests.sca.extractors.test_properties import JSON_VALUES, SETTINGS, _containers, check

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = PackagesLockJsonExtractor()
PROJECT = "project reference in this repository, no package version"

# (name, version, direct, group, line, path, note)
Row = tuple[str, str | None, bool, str | None, int | None, tuple[str, ...], str | None]


def extract(data: bytes) -> list[Dependency]:
    deps = EXTRACTOR.extract(ExtractInput(PurePosixPath("src/packages.lock.json"), data))
    for dep in deps:
        assert dep.ecosystem is Ecosystem.NUGET
        assert (dep.source, dep.extractor) == ("src/packages.lock.json", "nuget/packageslockjson")
    return deps


def rows(deps: list[Dependency]) -> list[Row]:
    return [(d.name, d.version, d.direct, d.group, d.line, d.path, d.note) for d in deps]


EXPECTED: dict[str, list[Row]] = {
    "lock-v1-frameworks.json": [
        # The same package and version in both frameworks: reported once.
        ("Newtonsoft.Json", "13.0.1", True, None, 5, ("Newtonsoft.Json",), None),
        ("Serilog.Sinks.Console", "4.1.0", True, None, 11, ("Serilog.Sinks.Console",), None),
        ("Serilog", "2.10.0", False, None, 20, ("Serilog.Sinks.Console", "Serilog"), None),
        ("acme.core", None, True, "local", 25, ("acme.core",), PROJECT),
        # Referenced by acme.core, so not a reference of this project itself.
        ("acme.shared", None, False, "local", 32, ("acme.core", "acme.shared"), PROJECT),
        # net8.0 resolves other versions: both are reported.
        ("Serilog.Sinks.Console", "5.0.1", True, None, 43, ("Serilog.Sinks.Console",), None),
        ("Serilog", "3.1.1", False, None, 52, ("Serilog.Sinks.Console", "Serilog"), None),
        # Runtime sections list only runtime-specific packages: no route to them.
        ("runtime.linux-x64.Microsoft.DotNet.ILCompiler", "8.0.4", False, None, 69, (), None),
    ],
    "lock-v2-central.json": [
        (
            "Microsoft.Extensions.Logging",
            "8.0.0",
            True,
            None,
            5,
            ("Microsoft.Extensions.Logging",),
            None,
        ),
        ("StyleCop.Analyzers", "1.1.118", True, None, 15, ("StyleCop.Analyzers",), None),
        (
            "Microsoft.Extensions.DependencyInjection",
            "8.0.0",
            False,
            None,
            21,
            ("Microsoft.Extensions.Logging", "Microsoft.Extensions.DependencyInjection"),
            None,
        ),
        (
            "Microsoft.Extensions.DependencyInjection.Abstractions",
            "8.0.0",
            False,
            None,
            29,
            (
                "Microsoft.Extensions.Logging",
                "Microsoft.Extensions.DependencyInjection",
                "Microsoft.Extensions.DependencyInjection.Abstractions",
            ),
            None,
        ),
        # Pinned centrally, but still only needed through Logging.
        (
            "Microsoft.Extensions.Logging.Abstractions",
            "8.0.1",
            False,
            None,
            34,
            ("Microsoft.Extensions.Logging", "Microsoft.Extensions.Logging.Abstractions"),
            None,
        ),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    assert rows(extract((TESTDATA / fixture).read_bytes())) == EXPECTED[fixture]


def test_minified_file_keeps_lines_of_the_single_line() -> None:
    doc = json.loads((TESTDATA / "lock-v1-frameworks.json").read_text())
    deps = extract(json.dumps(doc).encode())
    assert [d.line for d in deps] == [1] * 8
    assert [r[:4] for r in rows(deps)] == [r[:4] for r in EXPECTED["lock-v1-frameworks.json"]]


def test_case_insensitive_names_and_no_resolved_version() -> None:
    doc = {
        "version": 1,
        "dependencies": {
            "net8.0": {
                "A": {"type": "Direct", "resolved": "1.0.0", "dependencies": {"b": "2.0.0"}},
                "B": {"type": "Transitive"},
            }
        },
    }
    assert rows(extract(json.dumps(doc).encode())) == [
        ("A", "1.0.0", True, None, 1, ("A",), None),
        ("B", None, False, None, 1, ("A", "B"), "no resolved version in the lock file"),
    ]


def test_empty_lock_files() -> None:
    assert extract(b'{"version": 1, "dependencies": {}}') == []
    assert extract(b'{"version": 1, "dependencies": {"net8.0": {}}}') == []
    assert extract(b"{}") == []


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b'{"version": 1, "dependencies": {', "invalid JSON: Expecting property name", 1),
        (b"[]", "expected a JSON object at the top", 1),
        (b'{"version": "1"}', "'version' should be a number, got a string", None),
        (b'{"dependencies": []}', "'dependencies' should map target frameworks", None),
        (b'{"dependencies": {"net8.0": []}}', "framework 'net8.0' should map package", None),
        (
            b'{"dependencies": {"net8.0": {\n"A": 1}}}',
            "package 'A' should be an object, got a number",
            None,
        ),
        (b'{"dependencies": {"net8.0": {"A": {"type": 3}}}}', "'type' of package 'A'", 1),
        (b'{"dependencies": {"net8.0": {" ": {}}}}', "a package has an empty name", 1),
        (b'{"dependencies": {"net8.0": {"A": {"resolved": 3}}}}', "'resolved' of package 'A'", 1),
        (
            b'{"dependencies": {"net8.0": {"A": {"dependencies": []}}}}',
            "'dependencies' of package 'A' should be an object",
            1,
        ),
        (b"\xff", "not UTF-8 text", None),
        (b"[" * 100_000, "invalid JSON", None),
    ],
)
def test_broken(data: bytes, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(data)
    assert caught.value.message.startswith(message)
    assert caught.value.line == line


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
@SETTINGS
@given(choice=st.data())
def test_wrong_types_anywhere(fixture: str, choice: st.DataObject) -> None:
    """Swap any value of a valid lock file for any other JSON value: still no crash."""
    doc = json.loads((TESTDATA / fixture).read_text())
    swap_values(doc, choice)
    check(EXTRACTOR, json.dumps(doc, indent=2).encode())


def swap_values(doc: object, choice: st.DataObject) -> None:
    for _ in range(choice.draw(st.integers(1, 3))):
        container = choice.draw(st.sampled_from(_containers(doc, [])))
        replacement = choice.draw(JSON_VALUES)
        if isinstance(container, dict) and container:
            container[choice.draw(st.sampled_from(sorted(container)))] = replacement
        elif isinstance(container, list) and container:
            container[choice.draw(st.integers(0, len(container) - 1))] = replacement


def test_very_long_chains_get_no_path_beyond_the_limit() -> None:
    count = 100
    packages = {
        f"P{i}": {
            "type": "Direct" if i == 0 else "Transitive",
            "resolved": "1.0.0",
            "dependencies": {f"P{i + 1}": "1.0.0"},
        }
        for i in range(count)
    }
    deps = extract(json.dumps({"version": 1, "dependencies": {"net8.0": packages}}).encode())
    assert [len(d.path) for d in deps] == [*range(1, 65), *[0] * (count - 64)]

"""MSBuild project files with ``<PackageReference>``, and central package management.

The .NET SDK is not installed here, so the project files are hand-written after the
MSBuild and NuGet documentation (SDK-style and old-style projects, ``Directory.Packages.props``
with ``PackageVersion``, ``VersionOverride`` and ``GlobalPackageReference``).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.nuget.csproj import CsprojExtractor
from bastion.sca.extractors.registry import EXTRACTORS
from tests.sca.extractors.test_properties import SETTINGS, mutated

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = CsprojExtractor()

# (name, version, group, line, note)
Row = tuple[str, str | None, str | None, int | None, str | None]


def extract_in(root: Path, relative: str, data: bytes | None = None) -> list[Dependency]:
    def read(path: PurePosixPath) -> bytes | None:
        file = root / path
        return file.read_bytes() if file.is_file() else None

    content = (root / relative).read_bytes() if data is None else data
    deps = EXTRACTOR.extract(ExtractInput(PurePosixPath(relative), content, read))
    for dep in deps:
        assert dep.ecosystem is Ecosystem.NUGET
        assert (dep.source, dep.extractor) == (relative, "nuget/csproj")
        assert dep.direct
        assert dep.path == (dep.name,)
    return deps


def rows(deps: list[Dependency]) -> list[Row]:
    return [(d.name, d.version, d.group, d.line, d.note) for d in deps]


EXPECTED: dict[str, list[Row]] = {
    "cpm/src/App/App.csproj": [
        # $(ExtensionsVersion) from Directory.Packages.props two directories up.
        ("Microsoft.Extensions.Logging", "8.0.0", None, 9, None),
        # $(SerilogVersion) comes from Directory.Build.props.
        ("Serilog", "3.1.1", None, 10, None),
        ("Newtonsoft.Json", "13.0.1", None, 11, None),
        ("Polly", None, None, 12, "version range [8.2.0, 9.0.0), not resolved"),
        (
            "Not.Centrally.Managed",
            None,
            None,
            13,
            "no version here nor in cpm/Directory.Packages.props",
        ),
        ("StyleCop.Analyzers", "1.2.0-beta.556", "dev", 14, None),
        # Conditions are not evaluated.
        ("Microsoft.Extensions.Http", "8.0.0", None, 21, None),
        (
            "Nerdbank.GitVersioning",
            "3.6.133",
            "dev",
            None,
            "global package reference from cpm/Directory.Packages.props",
        ),
    ],
    "sdk-style.csproj": [
        ("Newtonsoft.Json", "13.0.3", None, 9, None),
        ("AutoMapper", "12.0.1", None, 10, None),
        ("Serilog", "3.1.1", None, 11, None),
        ("Dapper", None, None, 14, "floating version 2.*, not resolved"),
        ("Polly", "7.2.4", None, 15, None),
        ("MediatR", None, None, 16, "version range (12.0,13.0), not resolved"),
        ("Humanizer", None, None, 17, "$(HumanizerVersion) is not defined in the files read"),
        ("coverlet.collector", "6.0.0", "dev", 18, None),
        ("xunit", "2.5.3", None, 19, None),
        ("xunit.runner.visualstudio", "2.5.3", None, 19, None),
        ("Microsoft.NETCore.App", "2.1.30", None, 20, None),
        ("NoVersion.Given", None, None, 22, "no version declared"),
        ("System.Text.Json", "6.0.9", None, 28, None),
        # Not reported: the Remove item and the item inside a target.
    ],
    "legacy-namespace.csproj": [
        ("log4net", "2.0.15", None, 13, None),
        ("EntityFramework", "6.4.4", None, 16, None),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    assert rows(extract_in(TESTDATA, fixture)) == EXPECTED[fixture]


def test_gives_way_to_the_lock_file() -> None:
    assert "packages.lock.json" in EXTRACTOR.superseded_by


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("src/App/App.csproj", True),
        ("Lib.fsproj", True),
        ("Legacy.VBPROJ", True),
        ("Directory.Packages.props", False),
        ("Directory.Build.props", False),
        ("App.sln", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert EXTRACTOR.wants(PurePosixPath(path)) is wanted
    # The props files are read only on behalf of projects.
    if path.endswith(".props"):
        assert not any(e.wants(PurePosixPath(path)) for e in EXTRACTORS.values())


PROJECT = b"""<Project Sdk="Microsoft.NET.Sdk">
  <ItemGroup>
    <PackageReference Include="A" />
  </ItemGroup>
</Project>
"""


def props(*items: str, manage: str = "true") -> str:
    return (
        "<Project><PropertyGroup><ManagePackageVersionsCentrally>"
        f"{manage}</ManagePackageVersionsCentrally></PropertyGroup>"
        f"<ItemGroup>{''.join(items)}</ItemGroup></Project>"
    )


def test_the_nearest_central_file_wins(tmp_path: Path) -> None:
    (tmp_path / "src" / "App").mkdir(parents=True)
    (tmp_path / "Directory.Packages.props").write_text(
        props('<PackageVersion Include="A" Version="1.0.0" />')
    )
    (tmp_path / "src" / "Directory.Packages.props").write_text(
        props('<PackageVersion Include="a" Version="2.0.0" />')
    )
    (tmp_path / "src" / "App" / "App.csproj").write_bytes(PROJECT)
    [dep] = extract_in(tmp_path, "src/App/App.csproj")
    # NuGet ids are case-insensitive.
    assert (dep.name, dep.version) == ("A", "2.0.0")


def test_central_management_switched_off(tmp_path: Path) -> None:
    (tmp_path / "Directory.Packages.props").write_text(
        props('<PackageVersion Include="A" Version="1.0.0" />', manage="false")
    )
    (tmp_path / "App.csproj").write_bytes(PROJECT)
    [dep] = extract_in(tmp_path, "App.csproj")
    assert (dep.version, dep.note) == (None, "no version declared")


def test_unreadable_central_file(tmp_path: Path) -> None:
    (tmp_path / "Directory.Packages.props").write_text("<Project>")
    (tmp_path / "App.csproj").write_bytes(PROJECT)
    [dep] = extract_in(tmp_path, "App.csproj")
    assert dep.version is None
    assert dep.note == ("Directory.Packages.props is unreadable (invalid XML: no element found)")


def test_project_properties_beat_props_files(tmp_path: Path) -> None:
    (tmp_path / "Directory.Build.props").write_text(
        "<Project><PropertyGroup><V>1.0.0</V><W>$(V)</W></PropertyGroup></Project>"
    )
    (tmp_path / "App.csproj").write_text(
        "<Project><PropertyGroup><v>2.0.0</v></PropertyGroup><ItemGroup>"
        '<PackageReference Include="A" Version="$(W)" /></ItemGroup></Project>'
    )
    [dep] = extract_in(tmp_path, "App.csproj")
    # MSBuild evaluates every property before items, and names are case-insensitive.
    assert dep.version == "2.0.0"


@pytest.mark.parametrize(
    ("properties", "used", "note"),
    [
        ("<A>$(B)</A><B>$(A)</B>", "A", "circular property reference through $(A)"),
        ("<A>$([MSBuild]::GetPathOfFileAbove(x))</A>", "A", "cannot be evaluated without MSBuild"),
        (
            # Doubling at every level: memoised, and cut off by the size limit.
            "<P0>x</P0>" + "".join(f"<P{n}>$(P{n - 1})$(P{n - 1})</P{n}>" for n in range(1, 31)),
            "P30",
            "expands to over 4096 characters",
        ),
        (
            "".join(f"<P{n}>$(P{n + 1})</P{n}>" for n in range(60)) + "<P60>1</P60>",
            "P0",
            "properties nested over 32 deep",
        ),
    ],
)
def test_property_expansion_limits(properties: str, used: str, note: str) -> None:
    data = (
        f"<Project><PropertyGroup>{properties}</PropertyGroup><ItemGroup>"
        f'<PackageReference Include="X" Version="$({used})" /></ItemGroup></Project>'
    ).encode()
    [dep] = extract_in(TESTDATA, "x.csproj", data)
    assert dep.version is None
    assert dep.note is not None
    assert note in dep.note


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"<Project><ItemGroup>", "invalid XML: no element found", 1),
        (b"<packages/>", "the root element is <packages>, not <Project>", 1),
        (b"\n<Project></Projekt>", "invalid XML: mismatched tag", 2),
    ],
)
def test_broken(data: bytes, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract_in(TESTDATA, "x.csproj", data)
    assert caught.value.message.startswith(message)
    assert caught.value.line == line


@SETTINGS
@given(choice=st.data())
def test_mutated_props_files_never_break_the_project(choice: st.DataObject) -> None:
    root = TESTDATA / "cpm"
    files = {
        name: choice.draw(mutated((root / name).read_bytes()))
        if choice.draw(st.booleans())
        else (root / name).read_bytes()
        for name in ("Directory.Packages.props", "Directory.Build.props", "src/App/App.csproj")
    }

    def read(path: PurePosixPath) -> bytes | None:
        return files.get(str(path))

    project = files["src/App/App.csproj"]
    try:
        deps = EXTRACTOR.extract(ExtractInput(PurePosixPath("src/App/App.csproj"), project, read))
    except ExtractionError:
        return
    assert all(isinstance(dep, Dependency) and dep.name for dep in deps)

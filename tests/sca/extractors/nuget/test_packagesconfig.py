"""NuGet ``packages.config``, hand-written after NuGet's packages.config reference (NuGet
is not installed here)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.nuget.packagesconfig import PackagesConfigExtractor

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = PackagesConfigExtractor()


def extract(data: bytes) -> list[Dependency]:
    deps = EXTRACTOR.extract(ExtractInput(PurePosixPath("Web/packages.config"), data))
    for dep in deps:
        assert dep.ecosystem is Ecosystem.NUGET
        assert (dep.source, dep.extractor) == ("Web/packages.config", "nuget/packagesconfig")
        # Nothing marks the packages other packages pulled in: all are the project's own.
        assert dep.direct
        assert dep.path == (dep.name,)
    return deps


def test_fixture() -> None:
    deps = extract((TESTDATA / "packages.config").read_bytes())
    assert [(d.name, d.version, d.group, d.line, d.note) for d in deps] == [
        ("EntityFramework", "6.4.4", None, 3, None),
        ("Microsoft.AspNet.Mvc", "5.2.9", None, 4, None),
        ("Microsoft.AspNet.Razor", "3.2.9", None, 5, None),
        ("Newtonsoft.Json", "12.0.3", None, 6, None),
        ("StyleCop.Analyzers", "1.1.118", "dev", 7, None),
        ("xunit", "2.4.2", "dev", 8, None),
    ]


def test_missing_version_and_empty_file() -> None:
    [dep] = extract(b'<packages><package id="A" /></packages>')
    assert (dep.name, dep.version, dep.note) == ("A", None, "no version in packages.config")
    assert extract(b"<packages/>") == []


def test_wants() -> None:
    assert EXTRACTOR.wants(PurePosixPath("Web/packages.config"))
    assert not EXTRACTOR.wants(PurePosixPath("Web/web.config"))


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"<packages>\n<package id=", "invalid XML: unclosed token", 2),
        (b"<Project/>", "the root element is <Project>, not <packages>", 1),
        (b'<packages>\n  <package version="1.0" />\n</packages>', "<package> has no id", 2),
    ],
)
def test_broken(data: bytes, message: str, line: int) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(data)
    assert caught.value.message.startswith(message)
    assert caught.value.line == line

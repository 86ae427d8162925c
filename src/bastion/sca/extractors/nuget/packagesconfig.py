"""NuGet ``packages.config`` (the pre-PackageReference format).

``<package id= version= targetFramework= developmentDependency=>`` per installed package.
Versions are exact: NuGet writes the one it installed. The file also lists the packages
that other packages pulled in, and nothing marks them: every entry is reported as direct,
since each is installed into, and updated from, the project itself. A
``developmentDependency="true"`` package is in the "dev" group.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors._xml import parse_xml
from bastion.sca.extractors.base import ExtractInput, ExtractionError

_FILENAME = "packages.config"


class PackagesConfigExtractor:
    name: ClassVar[str] = "nuget/packagesconfig"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name.lower() == _FILENAME

    def extract(self, source: ExtractInput) -> list[Dependency]:
        root = parse_xml(source.data)
        if root.tag != "packages":
            raise ExtractionError(f"the root element is <{root.tag}>, not <packages>", root.line)
        where = str(source.path)
        found: list[Dependency] = []
        for element in root.findall("package"):
            name = element.attrib.get("id", "").strip()
            if not name:
                raise ExtractionError("<package> has no id", element.line)
            version = element.attrib.get("version", "").strip() or None
            development = element.attrib.get("developmentDependency", "").strip().lower()
            found.append(
                Dependency(
                    name=name,
                    version=version,
                    ecosystem=Ecosystem.NUGET,
                    direct=True,
                    source=where,
                    line=element.line,
                    extractor=self.name,
                    group="dev" if development == "true" else None,
                    path=(name,),
                    note=None if version else "no version in packages.config",
                )
            )
        return found

"""Gradle dependency lock state: ``gradle.lockfile``, ``buildscript-gradle.lockfile`` and the
older per-configuration files under ``gradle/dependency-locks/``.

Since Gradle 6 one file per project lists each locked module once with the
configurations that resolve it::

    com.google.guava:guava:33.2.1-jre=compileClasspath,runtimeClasspath
    empty=annotationProcessor

Gradle 4.8 to 5 wrote ``gradle/dependency-locks/<configuration>.lockfile`` instead, one
``group:name:version`` per line; the configuration is the file name.

A lockfile records no graph and does not say which modules the build script declares, so
every entry is reported with ``direct=False`` and no path: "not known to be direct" is
the honest reading, and the build script (Groovy or Kotlin code) is not parsed here.
Groups: a module locked only for test configurations is "test"; everything in a
buildscript (or settings) lockfile is "build", as it runs only inside Gradle.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import ClassVar

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError

_FILENAMES = frozenset(
    {"gradle.lockfile", "buildscript-gradle.lockfile", "settings-gradle.lockfile"}
)
_BUILD_FILENAMES = frozenset({"buildscript-gradle.lockfile", "settings-gradle.lockfile"})
_LEGACY_DIR = ("gradle", "dependency-locks")
_LEGACY_SUFFIX = ".lockfile"


class GradleLockfileExtractor:
    name: ClassVar[str] = "maven/gradlelockfile"
    superseded_by: ClassVar[frozenset[str]] = frozenset()

    def wants(self, path: PurePosixPath) -> bool:
        return path.name in _FILENAMES or _is_legacy(path)

    def extract(self, source: ExtractInput) -> list[Dependency]:
        path = source.path
        legacy = _is_legacy(path) and path.name not in _FILENAMES
        # Legacy files are named after their configuration ("buildscript-classpath" for
        # the build script's own).
        legacy_configurations = (path.name.removesuffix(_LEGACY_SUFFIX),) if legacy else ()
        build = path.name in _BUILD_FILENAMES or path.name.startswith("buildscript-")

        where = str(path)
        found: list[Dependency] = []
        for number, raw in enumerate(source.text().split("\n"), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            coordinates, equals, listed = line.partition("=")
            coordinates = coordinates.strip()
            if equals and coordinates == "empty":
                continue  # configurations that resolve nothing
            configurations = (
                tuple(c.strip() for c in listed.split(",") if c.strip())
                if equals
                else legacy_configurations
            )
            parts = coordinates.split(":")
            if len(parts) != 3 or not all(part.strip() for part in parts):
                raise ExtractionError(
                    f"expected 'group:name:version=configurations', got {_short(line)!r}", number
                )
            group_id, artifact_id, version = (part.strip() for part in parts)
            found.append(
                Dependency(
                    name=f"{group_id}:{artifact_id}",
                    version=version,
                    ecosystem=Ecosystem.MAVEN,
                    direct=False,
                    source=where,
                    line=number,
                    extractor=self.name,
                    group="build" if build else _group(configurations),
                )
            )
        return found


def _is_legacy(path: PurePosixPath) -> bool:
    return path.name.endswith(_LEGACY_SUFFIX) and path.parent.parts[-2:] == _LEGACY_DIR


def _group(configurations: tuple[str, ...]) -> str | None:
    # testCompileClasspath, testRuntimeClasspath, testFixtures*, testAnnotationProcessor.
    if configurations and all(c.startswith("test") for c in configurations):
        return "test"
    return None


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."

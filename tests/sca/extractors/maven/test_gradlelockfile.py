"""Gradle lockfiles.

Gradle is not installed here and its plugin portal is unreachable, so the fixtures are
hand-written after Gradle's dependency locking documentation: the single-file format of
Gradle 6+ (``gradle.lockfile``, ``buildscript-gradle.lockfile``, with the header Gradle
writes) and the per-configuration files of Gradle 4.8 to 5 under
``gradle/dependency-locks/``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.maven.gradlelockfile import GradleLockfileExtractor

TESTDATA = Path(__file__).parent / "testdata" / "gradle"
EXTRACTOR = GradleLockfileExtractor()

# (name, version, group, line)
Row = tuple[str, str, str | None, int]


def extract(relative: str, data: bytes | None = None) -> list[Dependency]:
    content = (TESTDATA / relative).read_bytes() if data is None else data
    deps = EXTRACTOR.extract(ExtractInput(PurePosixPath(relative), content))
    for dep in deps:
        assert dep.ecosystem is Ecosystem.MAVEN
        assert (dep.source, dep.extractor) == (relative, "maven/gradlelockfile")
        # A lockfile does not say what the build script declares: never claimed direct.
        assert (dep.direct, dep.path, dep.note) == (False, (), None)
    return deps


EXPECTED: dict[str, list[Row]] = {
    "gradle.lockfile": [
        ("com.fasterxml.jackson.core:jackson-annotations", "2.15.2", None, 4),
        ("com.fasterxml.jackson.core:jackson-core", "2.15.2", None, 5),
        ("com.fasterxml.jackson.core:jackson-databind", "2.15.2", None, 6),
        ("com.google.guava:failureaccess", "1.0.1", None, 7),
        ("com.google.guava:guava", "32.1.2-jre", None, 8),
        ("org.apiguardian:apiguardian-api", "1.1.2", "test", 9),
        ("org.junit.jupiter:junit-jupiter-api", "5.10.0", "test", 10),
        ("org.junit.jupiter:junit-jupiter-engine", "5.10.0", "test", 11),
        ("org.junit.platform:junit-platform-commons", "1.10.0", "test", 12),
        ("org.opentest4j:opentest4j", "1.3.0", "test", 13),
        ("org.projectlombok:lombok", "1.18.30", None, 14),
        ("org.slf4j:slf4j-api", "2.0.9", None, 15),
    ],
    "buildscript-gradle.lockfile": [
        ("com.diffplug.spotless:spotless-plugin-gradle", "6.22.0", "build", 4),
        ("com.googlecode.concurrent-trees:concurrent-trees", "2.6.1", "build", 5),
    ],
    "legacy/gradle/dependency-locks/compileClasspath.lockfile": [
        ("org.springframework:spring-core", "5.2.0.RELEASE", None, 4),
        ("org.springframework:spring-jcl", "5.2.0.RELEASE", None, 5),
    ],
    # The configuration is the file name.
    "legacy/gradle/dependency-locks/testRuntimeClasspath.lockfile": [
        ("junit:junit", "4.12", "test", 4),
        ("org.hamcrest:hamcrest-core", "1.3", "test", 5),
        ("org.springframework:spring-core", "5.2.0.RELEASE", "test", 6),
        ("org.springframework:spring-jcl", "5.2.0.RELEASE", "test", 7),
    ],
    "legacy/gradle/dependency-locks/buildscript-classpath.lockfile": [
        ("com.github.ben-manes:gradle-versions-plugin", "0.27.0", "build", 4),
    ],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    assert [(d.name, d.version, d.group, d.line) for d in extract(fixture)] == EXPECTED[fixture]


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("gradle.lockfile", True),
        ("app/gradle.lockfile", True),
        ("buildscript-gradle.lockfile", True),
        ("settings-gradle.lockfile", True),
        ("gradle/dependency-locks/runtimeClasspath.lockfile", True),
        ("app/gradle/dependency-locks/compileClasspath.lockfile", True),
        ("dependency-locks/compileClasspath.lockfile", False),
        ("gradle/compileClasspath.lockfile", False),
        ("build.gradle", False),
        ("Gemfile.lock", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert EXTRACTOR.wants(PurePosixPath(path)) is wanted


def test_blank_lines_comments_and_spacing() -> None:
    data = b"\n# comment\n  a:b:1 = compileClasspath , testRuntimeClasspath \r\n\nempty=\nc:d:2=\n"
    deps = extract("gradle.lockfile", data)
    assert [(d.name, d.version, d.group, d.line) for d in deps] == [
        ("a:b", "1", None, 3),
        ("c:d", "2", None, 6),
    ]


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"# header\n>>>>>>> merge conflict\n", 2),
        (b"a:b=compileClasspath\n", 1),
        (b"a:b:c:d=compileClasspath\n", 1),
        (b"a::1=compileClasspath\n", 1),
        (b"\n\n:b:1\n", 3),
    ],
)
def test_broken(data: bytes, line: int) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract("gradle.lockfile", data)
    assert caught.value.message.startswith("expected 'group:name:version=configurations'")
    assert caught.value.line == line


def test_not_utf8() -> None:
    with pytest.raises(ExtractionError, match="not UTF-8"):
        extract("gradle.lockfile", b"a:b:\xff\n")

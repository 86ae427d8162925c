"""Maven ``pom.xml``.

Maven Central is not reachable here, so the POMs are hand-written. The multi-module
project under ``testdata/multimodule`` is checked by Maven itself: ``mvn -o validate``
(Maven 3.8.7) builds it, and ``testdata/EffectiveDeps.java`` runs Maven 3.8.7's model
builder offline over it; its output is ``multimodule/maven-effective.txt``, which the
test below compares against.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.maven.pomxml import PomXmlExtractor
from tests.sca.extractors.test_properties import SETTINGS, mutated

TESTDATA = Path(__file__).parent / "testdata"
MULTIMODULE = TESTDATA / "multimodule"
EXTRACTOR = PomXmlExtractor()

# (name, version, group, line, note)
Row = tuple[str, str | None, str | None, int | None, str | None]


def extract_in(root: Path, relative: str, data: bytes | None = None) -> list[Dependency]:
    def read(path: PurePosixPath) -> bytes | None:
        file = root / path
        return file.read_bytes() if file.is_file() else None

    path = PurePosixPath(relative)
    content = (root / relative).read_bytes() if data is None else data
    deps = EXTRACTOR.extract(ExtractInput(path, content, read))
    for dep in deps:
        assert dep.ecosystem is Ecosystem.MAVEN
        assert (dep.source, dep.extractor) == (relative, "maven/pomxml")
        # A POM has no graph: everything it declares is direct and its own path.
        assert dep.direct
        assert dep.path == (dep.name,)
    return deps


def extract(data: bytes) -> list[Dependency]:
    return extract_in(TESTDATA, "pom.xml", data)


def rows(deps: list[Dependency]) -> list[Row]:
    return [(d.name, d.version, d.group, d.line, d.note) for d in deps]


BOMS = (
    "no version here or in the managed dependencies read; it probably comes from an "
    "imported BOM (com.fasterxml.jackson:jackson-bom:2.17.2, org.junit:junit-bom:5.10.2), "
    "which is not read"
)
INHERITED_SLF4J = (
    "org.slf4j:slf4j-api",
    "2.0.13",
    None,
    None,
    "inherited from parent POM pom.xml (line 56)",
)

MULTIMODULE_EXPECTED: dict[str, list[Row]] = {
    "pom.xml": [
        ("org.slf4j:slf4j-api", "2.0.13", None, 56, None),
        # Managed entries are constraints; only BOM imports are fetched by the build.
        ("com.fasterxml.jackson:jackson-bom", "2.17.2", "import", 27, None),
        ("org.junit:junit-bom", "5.10.2", "import", 34, None),
    ],
    "lib/pom.xml": [
        # ${jackson.version} comes from the parent found at relativePath ../pom.xml.
        ("com.fasterxml.jackson.core:jackson-annotations", "2.17.2", None, 17, None),
        ("org.junit.jupiter:junit-jupiter", None, "test", 22, BOMS),
        INHERITED_SLF4J,
    ],
    "app/pom.xml": [
        # Managed by the parent as ${project.version}, which is this module's (inherited).
        ("com.example:acme-lib", "1.4.0", None, 21, None),
        ("com.fasterxml.jackson.core:jackson-databind", None, None, 25, BOMS),
        ("commons-io:commons-io", "2.16.1", None, 29, None),
        # ${guava.version} is set by the parent's active-by-default profile.
        ("com.google.guava:guava", "33.2.1-jre", None, 33, None),
        ("org.apache.commons:commons-lang3", "3.14.0", "optional", 38, None),
        ("jakarta.servlet:jakarta.servlet-api", "6.0.0", "provided", 44, None),
        ("org.junit.jupiter:junit-jupiter", None, "test", 50, BOMS),
        INHERITED_SLF4J,
    ],
}


@pytest.mark.parametrize("module", sorted(MULTIMODULE_EXPECTED))
def test_multimodule(module: str) -> None:
    assert rows(extract_in(MULTIMODULE, module)) == MULTIMODULE_EXPECTED[module]


def test_multimodule_agrees_with_maven() -> None:
    """Where a version is reported, it is the one Maven's effective model has; where it is
    not, Maven needed a BOM from the remote repository."""
    effective: dict[str, list[tuple[str, str, str | None]]] = {}
    for line in (MULTIMODULE / "maven-effective.txt").read_text().splitlines():
        pom, name, version, scope, optional = line.split()
        group = scope if scope != "compile" else ("optional" if optional == "true" else None)
        effective.setdefault(pom, []).append((name, version, group))
    assert sorted(effective) == sorted(MULTIMODULE_EXPECTED)
    for module, expected in effective.items():
        ours = [d for d in extract_in(MULTIMODULE, module) if d.group != "import"]
        assert [(d.name, d.group) for d in ours] == [(name, group) for name, _, group in expected]
        for dep, (_, version, _) in zip(ours, expected, strict=True):
            assert dep.version == version or (dep.version is None and dep.note == BOMS)


def test_external_parent_and_edge_cases() -> None:
    parent = (
        "parent POM org.springframework.boot:spring-boot-starter-parent:3.2.5 is not in the "
        "repository (empty relativePath)"
    )
    deps = extract_in(
        TESTDATA, "pom.xml", (TESTDATA / "external-parent-and-edge-cases.xml").read_bytes()
    )
    assert rows(deps) == [
        (
            "org.springframework.boot:spring-boot-starter-web",
            None,
            None,
            27,
            f"no version here, and {parent}",
        ),
        # ${nested.outer} = ${nested.inner}.1
        ("org.apache.httpcomponents:httpclient", "4.4.1", None, 31, None),
        ("org.example:ranged", None, None, 36, "version range [1.0,2.0), not resolved"),
        ("org.example:pinned-by-range", "1.5", None, 41, None),
        ("org.example:newest", None, None, 46, "meta-version LATEST, not resolved"),
        (
            "org.example:undefined-property",
            None,
            None,
            51,
            f"${{missing.version}} is not defined; {parent}",
        ),
        (
            "org.example:from-environment",
            None,
            None,
            56,
            "${env.LIB_VERSION} comes from the build machine's environment",
        ),
        ("org.example:circular", None, None, 61, "circular property reference through ${cycle.a}"),
        # Both artifacts of the same module are reported.
        ("org.example:sibling", "2.0.1", "test", 66, None),
        ("org.example:sibling", "2.0.1", None, 74, None),
        # Scope wins over optional: a runtime-only dependency is never on the compile path.
        ("org.example:parent-versioned", "3.2.5", "runtime", 79, None),
        ("com.oracle:ojdbc", "19.3", "system", 86, None),
        # The active-by-default profile's property beats the main one.
        ("org.example:overridable", "from-profile", None, 93, None),
        ("org.example:profile-dependency", "0.9", None, 125, None),
        # Not reported: plugin dependencies and the profile activated on JDK 21.
    ]


POM_HEAD = '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'


def dependency(group_id: str, artifact_id: str, *extra: str) -> str:
    return (
        f"<dependency><groupId>{group_id}</groupId><artifactId>{artifact_id}</artifactId>"
        + "".join(extra)
        + "</dependency>"
    )


def test_parent_in_a_directory_and_grandparent(tmp_path: Path) -> None:
    (tmp_path / "parent").mkdir()
    (tmp_path / "parent" / "child").mkdir()
    (tmp_path / "pom.xml").write_text(
        POM_HEAD + "<groupId>g</groupId><artifactId>root</artifactId><version>7</version>"
        "<properties><a.version>1.0</a.version></properties>"
        "<dependencyManagement><dependencies>"
        + dependency("x", "managed", "<version>${a.version}</version><scope>runtime</scope>")
        + "</dependencies></dependencyManagement></project>"
    )
    (tmp_path / "parent" / "pom.xml").write_text(
        POM_HEAD + "<parent><groupId>g</groupId><artifactId>root</artifactId>"
        "<version>7</version></parent><artifactId>mid</artifactId>"
        "<properties><a.version>2.0</a.version></properties>"
        "<dependencies>"
        + dependency("x", "from-mid", "<version>${project.version}</version>")
        + "</dependencies></project>"
    )
    (tmp_path / "parent" / "child" / "pom.xml").write_text(
        POM_HEAD + "<parent><groupId>g</groupId><artifactId>mid</artifactId>"
        "<version>7</version><relativePath>..</relativePath></parent>"
        "<artifactId>leaf</artifactId><version>9</version><dependencies>"
        + dependency("x", "managed")
        + dependency("x", "from-mid", "<version>override</version>")
        + "</dependencies></project>"
    )
    deps = extract_in(tmp_path, "parent/child/pom.xml")
    # The nearest definition of a.version wins; the managed scope applies too.
    assert [(d.name, d.version, d.group, d.line) for d in deps] == [
        ("x:managed", "2.0", "runtime", 2),
        ("x:from-mid", "override", None, 2),
    ]


def test_inherited_dependency_uses_the_childs_version(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "pom.xml").write_text(
        POM_HEAD + "<groupId>g</groupId><artifactId>p</artifactId><version>1</version>\n"
        "<dependencies>\n"
        + dependency("g", "sibling", "<version>${project.version}</version>")
        + "</dependencies></project>"
    )
    (tmp_path / "app" / "pom.xml").write_text(
        POM_HEAD + "<parent><groupId>g</groupId><artifactId>p</artifactId><version>1</version>"
        "</parent><artifactId>app</artifactId><version>5</version></project>"
    )
    [dep] = extract_in(tmp_path, "app/pom.xml")
    # Maven interpolates the effective model: ${project.version} is the child's.
    assert (dep.name, dep.version, dep.line) == ("g:sibling", "5", None)
    assert dep.note == "inherited from parent POM pom.xml (line 4)"


@pytest.mark.parametrize(
    ("parent_pom", "problem"),
    [
        (None, "is not in the repository (nothing at pom.xml)"),
        (
            POM_HEAD + "<groupId>other</groupId><artifactId>p</artifactId></project>",
            "is not in the repository (pom.xml is other:p)",
        ),
        ("<project><broken>", "pom.xml is unreadable (invalid XML: no element found)"),
        (
            # A parent whose parent is the child itself.
            POM_HEAD + "<parent><groupId>g</groupId><artifactId>app</artifactId>"
            "<relativePath>app/pom.xml</relativePath></parent>"
            "<groupId>g</groupId><artifactId>p</artifactId></project>",
            "app/pom.xml is part of a cycle",
        ),
    ],
)
def test_parent_problems(tmp_path: Path, parent_pom: str | None, problem: str) -> None:
    (tmp_path / "app").mkdir()
    if parent_pom is not None:
        (tmp_path / "pom.xml").write_text(parent_pom)
    (tmp_path / "app" / "pom.xml").write_text(
        POM_HEAD + "<parent><groupId>g</groupId><artifactId>p</artifactId><version>1</version>"
        "</parent><artifactId>app</artifactId><dependencies>"
        + dependency("x", "y")
        + "</dependencies></project>"
    )
    [dep] = extract_in(tmp_path, "app/pom.xml")
    assert dep.version is None
    assert dep.note is not None
    assert dep.note.startswith("no version here, and ")
    assert dep.note.endswith(problem)


def test_parent_outside_the_repository() -> None:
    data = (
        POM_HEAD + "<parent><groupId>g</groupId><artifactId>p</artifactId>"
        "<relativePath>../../pom.xml</relativePath></parent><artifactId>a</artifactId>"
        "<dependencies>" + dependency("x", "y") + "</dependencies></project>"
    ).encode()
    [dep] = extract(data)
    assert dep.note == (
        "no version here, and parent POM g:p:? is not in the repository "
        "(../../pom.xml leads outside it)"
    )


def test_parent_chain_is_limited(tmp_path: Path) -> None:
    # Each level's parent is the next directory up; the chain is longer than the limit.
    depth = 20
    directory = tmp_path
    for level in range(depth):
        directory.mkdir(exist_ok=True)
        parent = (
            f"<parent><groupId>g</groupId><artifactId>level{level - 1}</artifactId></parent>"
            if level
            else ""
        )
        body = dependency("x", "y") if level == depth - 1 else ""
        (directory / "pom.xml").write_text(
            f"{POM_HEAD}{parent}<groupId>g</groupId><artifactId>level{level}</artifactId>"
            f"<dependencies>{body}</dependencies></project>"
        )
        directory = directory / "sub"
    relative = "/".join(["sub"] * (depth - 1) + ["pom.xml"])
    [dep] = extract_in(tmp_path, relative)
    assert dep.note is not None
    assert "more than 16 parent POMs" in dep.note


def test_properties_that_double_at_every_level_stay_cheap() -> None:
    # p0 = "", p(n) = ${p(n-1)}${p(n-1)}: 2^30 expansions without memoisation.
    properties = "<p0></p0>" + "".join(
        f"<p{n}>${{p{n - 1}}}${{p{n - 1}}}</p{n}>" for n in range(1, 31)
    )
    big = "<q0>xxxxxxxxxxxxxxxx</q0>" + "".join(
        f"<q{n}>${{q{n - 1}}}${{q{n - 1}}}</q{n}>" for n in range(1, 31)
    )
    data = (
        f"{POM_HEAD}<properties>{properties}{big}</properties><dependencies>"
        + dependency("x", "empty", "<version>a${p30}</version>")
        + dependency("x", "huge", "<version>${q30}</version>")
        + "</dependencies></project>"
    ).encode()
    empty, huge = extract(data)
    assert empty.version == "a"
    assert huge.version is None
    assert huge.note == "expands to over 4096 characters"


def test_deep_property_chain_is_cut_off() -> None:
    properties = "".join(f"<p{n}>${{p{n + 1}}}</p{n}>" for n in range(100)) + "<p100>1</p100>"
    data = (
        f"{POM_HEAD}<properties>{properties}</properties><dependencies>"
        + dependency("x", "deep", "<version>${p0}</version>")
        + dependency("x", "shallow", "<version>${p90}</version>")
        + "</dependencies></project>"
    ).encode()
    deep, shallow = extract(data)
    assert (deep.version, deep.note) == (None, "properties nested over 32 deep")
    # A failure that depends on the starting depth is not remembered for later uses.
    assert shallow.version == "1"


def test_unresolved_group_id_keeps_the_text() -> None:
    data = (
        POM_HEAD
        + "<dependencies>"
        + dependency("${org}", "a", "<version>1</version>")
        + "</dependencies></project>"
    ).encode()
    [dep] = extract(data)
    assert (dep.name, dep.version) == ("${org}:a", "1")
    assert dep.note == "groupId '${org}': ${org} is not defined"


def test_model_expressions() -> None:
    data = (
        POM_HEAD + "<parent><groupId>pg</groupId><artifactId>pa</artifactId>"
        "<version>3</version><relativePath/></parent><artifactId>me</artifactId>"
        "<dependencies>"
        + dependency("${project.groupId}", "a", "<version>${project.version}</version>")
        + dependency("${pom.groupId}", "${project.artifactId}-b", "<version>${version}</version>")
        + dependency("x", "c", "<version>${project.parent.version}.${parent.version}</version>")
        + dependency("x", "d", "<version>${basedir}</version>")
        + "</dependencies></project>"
    ).encode()
    assert [(d.name, d.version) for d in extract(data)] == [
        ("pg:a", "3"),
        ("pg:me-b", "3"),
        ("x:c", "3.3"),
        ("x:d", None),
    ]


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"<project><dependencies>", "invalid XML: no element found", 1),
        (b"", "invalid XML: no element found", 1),
        (b"<html/>", "the root element is <html>, not <project>", 1),
        (
            b"<project>\n<dependencies>\n<dependency><groupId>a</groupId></dependency>"
            b"</dependencies></project>",
            "<dependency> needs a groupId and an artifactId",
            3,
        ),
        (
            b"<project><parent><artifactId>a</artifactId></parent></project>",
            "<parent> needs a groupId and an artifactId",
            1,
        ),
        (
            b'<!DOCTYPE p [<!ENTITY a "b">]><project>&a;</project>',
            "invalid XML: entity declarations and external references are not allowed",
            None,
        ),
        (
            b'<?xml version="1.0" encoding="klingon"?><project/>',
            "invalid XML: unknown encoding",
            None,
        ),
        (b"<a>" * 300 + b"</a>" * 300, "invalid XML: elements nested over 256 deep", None),
    ],
)
def test_broken(data: bytes, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(data)
    assert caught.value.message.startswith(message)
    assert caught.value.line == line


def test_other_encodings_and_line_endings() -> None:
    text = (TESTDATA / "external-parent-and-edge-cases.xml").read_text()
    expected = [(d.name, d.version, d.line) for d in extract(text.encode())]
    utf16 = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert [(d.name, d.version, d.line) for d in extract(utf16)] == expected
    crlf = text.replace("\n", "\r\n").encode()
    assert [(d.name, d.version, d.line) for d in extract(crlf)] == expected


def test_wants() -> None:
    assert EXTRACTOR.wants(PurePosixPath("svc/pom.xml"))
    assert not EXTRACTOR.wants(PurePosixPath("svc/pom.xml.bak"))
    assert not EXTRACTOR.wants(PurePosixPath("build.gradle"))


@SETTINGS
@given(choice=st.data())
def test_mutated_parent_never_breaks_the_child(choice: st.DataObject) -> None:
    """The parent is read on the child's behalf: whatever it holds, the child's result is
    dependencies or one ExtractionError about the child."""
    files = {
        "pom.xml": choice.draw(mutated((MULTIMODULE / "pom.xml").read_bytes())),
        "app/pom.xml": (MULTIMODULE / "app" / "pom.xml").read_bytes(),
    }
    if choice.draw(st.booleans()):
        files["app/pom.xml"] = choice.draw(mutated(files["app/pom.xml"]))

    def read(path: PurePosixPath) -> bytes | None:
        return files.get(str(path))

    try:
        deps = EXTRACTOR.extract(
            ExtractInput(PurePosixPath("app/pom.xml"), files["app/pom.xml"], read)
        )
    except ExtractionError:
        return
    assert all(isinstance(dep, Dependency) and dep.source == "app/pom.xml" for dep in deps)


def test_duplicates_keep_file_order_and_nearest_management_wins(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "pom.xml").write_text(
        POM_HEAD + "<groupId>g</groupId><artifactId>p</artifactId><version>1</version>"
        "<dependencyManagement><dependencies>"
        + dependency("g", "managed", "<version>from-parent</version>")
        + "</dependencies></dependencyManagement></project>"
    )
    (tmp_path / "app" / "pom.xml").write_text(
        POM_HEAD + "<parent><groupId>g</groupId><artifactId>p</artifactId><version>1</version>"
        "</parent><artifactId>app</artifactId>\n<dependencyManagement><dependencies>"
        # Spelled differently from the parent's key, the same once interpolated.
        + dependency("${project.groupId}", "managed", "<version>from-child</version>")
        + "</dependencies></dependencyManagement>\n<dependencies>\n"
        + dependency("x", "twice", "<version>1</version>")
        + "\n"
        + dependency("g", "managed")
        + "\n"
        + dependency("x", "twice", "<version>2</version>")
        + "\n</dependencies></project>"
    )
    deps = extract_in(tmp_path, "app/pom.xml")
    assert [(d.name, d.version, d.line) for d in deps] == [
        ("x:twice", "1", 5),
        ("g:managed", "from-child", 6),
        ("x:twice", "2", 7),
    ]

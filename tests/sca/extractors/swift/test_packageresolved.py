"""Package.resolved fixtures are hand-written (no Swift toolchain installs here, and the
package hosts are unreachable) in the layouts SwiftPM writes: version 1 (Swift 5.5 and
earlier), version 2 (Swift 5.6+) and version 3 (Swift 5.10+, with ``originHash``), each
beside the Package.swift it would be resolved from.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.swift.packageresolved import PackageResolvedExtractor, swift_url

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = PackageResolvedExtractor()

# (name, version, direct, group, line, note)
Row = tuple[str, str | None, bool, str | None, int | None, str | None]


def extract_dir(directory: str, with_manifest: bool = True) -> list[Dependency]:
    root = TESTDATA / directory

    def read(relative: PurePosixPath) -> bytes | None:
        path = root / relative
        return path.read_bytes() if with_manifest and path.is_file() else None

    data = (root / "Package.resolved").read_bytes()
    return check(EXTRACTOR.extract(ExtractInput(PurePosixPath("Package.resolved"), data, read)))


def check(deps: list[Dependency], where: str = "Package.resolved") -> list[Dependency]:
    for dep in deps:
        assert dep.ecosystem is Ecosystem.SWIFTURL
        assert (dep.source, dep.extractor) == (where, "swift/packageresolved")
        assert dep.path == ((dep.name,) if dep.direct else ())
    return deps


def rows(deps: list[Dependency]) -> list[Row]:
    return [(d.name, d.version, d.direct, d.group, d.line, d.note) for d in deps]


EXPECTED: dict[str, list[Row]] = {
    "v1": [
        ("github.com/Alamofire/Alamofire", "5.5.0", True, None, 5, None),
        # Pinned, but only needed by another package.
        ("github.com/apple/swift-log", "1.4.2", False, None, 14, None),
        (
            "github.com/SwiftyJSON/SwiftyJSON",
            None,
            True,
            None,
            23,
            "branch master at revision b3dcd7dbd0d488e1a7077cb33b00f2083e382f07, no version",
        ),
    ],
    "v2": [
        ("github.com/apple/swift-argument-parser", "1.2.2", True, None, 4, None),
        ("github.com/apple/swift-nio", "2.62.0", True, None, 13, None),
        ("github.com/apple/swift-atomics", "1.2.0", False, None, 22, None),
    ],
    "v3": [
        # An scp-style git URL names the same repository.
        ("github.com/onevcat/Kingfisher", "7.10.2", True, None, 5, None),
        (
            "mona.linkedlist",
            "1.1.0",
            True,
            None,
            14,
            "from a package registry as mona.linkedlist, not a repository URL",
        ),
        (
            "shared-ui",
            "0.4.0",
            True,
            "local",
            22,
            "local git repository /Users/dev/src/shared-ui",
        ),
        (
            "github.com/apple/swift-collections",
            None,
            True,
            None,
            31,
            "branch main at revision 94cf62b3ba8d4bed62680a282d4c25f9c63c2efb, no version",
        ),
        (
            "github.com/swiftlang/swift-syntax",
            None,
            True,
            None,
            40,
            "revision 0687f71944021d616d34d922343dcef086855920, no version",
        ),
    ],
}


@pytest.mark.parametrize("directory", sorted(EXPECTED))
def test_fixture(directory: str) -> None:
    assert rows(extract_dir(directory)) == EXPECTED[directory]


def test_without_a_manifest_nothing_is_known_to_be_direct() -> None:
    deps = extract_dir("v2", with_manifest=False)
    assert [(d.name, d.direct) for d in deps] == [(row[0], False) for row in EXPECTED["v2"]]


def test_xcode_project_references_give_direct_packages() -> None:
    resolved = PurePosixPath(
        "App.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved"
    )
    pbxproj = (
        b"/* Begin XCRemoteSwiftPackageReference section */\n"
        b'\t\tAB12 /* XCRemoteSwiftPackageReference "swift-nio" */ = {\n'
        b"\t\t\tisa = XCRemoteSwiftPackageReference;\n"
        b'\t\t\trepositoryURL = "https://github.com/apple/swift-nio.git";\n'
        b"\t\t};\n"
    )
    files = {PurePosixPath("App.xcodeproj/project.pbxproj"): pbxproj}
    data = (TESTDATA / "v2" / "Package.resolved").read_bytes()
    deps = EXTRACTOR.extract(ExtractInput(resolved, data, files.get))
    check(deps, str(resolved))
    assert [d.name for d in deps if d.direct] == ["github.com/apple/swift-nio"]


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://github.com/apple/swift-nio.git", "github.com/apple/swift-nio"),
        ("https://github.com/apple/swift-nio/", "github.com/apple/swift-nio"),
        ("http://gitlab.example.com/group/sub/repo.git", "gitlab.example.com/group/sub/repo"),
        ("ssh://git@github.com/owner/repo.git", "github.com/owner/repo"),
        ("git@github.com:owner/repo.git", "github.com/owner/repo"),
        ("https://user:token@github.com/owner/repo", "github.com/owner/repo"),
    ],
)
def test_swift_url(url: str, name: str) -> None:
    assert swift_url(url) == name


def extract(text: str) -> list[Dependency]:
    return check(EXTRACTOR.extract(ExtractInput(PurePosixPath("Package.resolved"), text.encode())))


def resolved(*states: object, kind: str = "remoteSourceControl") -> str:
    """A one-line version 2 file with one pin named "a" per state."""
    pin = {"identity": "a", "kind": kind, "location": "https://h/a"}
    return json.dumps({"version": 2, "pins": [{**pin, "state": state} for state in states]})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "invalid JSON"),
        ("[]", "Package.resolved should be an object, got an array"),
        ('{"version": 4, "pins": []}', "unsupported Package.resolved version 4"),
        ('{"version": "2", "pins": []}', "unsupported Package.resolved version '2'"),
        ('{"version": 1, "pins": []}', "version 1 needs an 'object' with 'pins'"),
        ('{"version": 2, "pins": {}}', "'pins' should be an array, got an object"),
        ('{"version": 2, "pins": [1]}', "a pin should be an object, got a number"),
        ('{"version": 2, "pins": [{}]}', "a pin has no 'identity'"),
        ('{"version": 1, "object": {"pins": [{}]}}', "a pin has no 'package'"),
        ('{"version": 2, "pins": [{"identity": "a"}]}', "pin a has no location"),
        (resolved(1), "pin a has no 'state' object"),
        (resolved({"version": 1}), "'version' of pin a should be a string"),
        (resolved({}, kind="x"), "pin a has an unknown kind 'x'"),
    ],
)
def test_broken(text: str, message: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(text)
    assert caught.value.message.startswith(message)


def test_lines_need_one_key_per_pin() -> None:
    # Written on one line, as no SwiftPM does: the keys are not found, no lines are given.
    deps = extract(resolved({}, {"version": "1.0.0"}))
    assert [(d.version, d.line) for d in deps] == [(None, None), ("1.0.0", None)]

"""Podfile.lock fixtures are hand-written (CocoaPods needs macOS and the CocoaPods CDN,
neither available here) in the layout CocoaPods 1.14 writes: subspecs, a private spec
repository, a git pod with checkout options and a local path pod.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.cocoapods.podfilelock import PodfileLockExtractor

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = PodfileLockExtractor()

# (name, version, direct, group, line, path, note)
Row = tuple[str, str, bool, str | None, int | None, tuple[str, ...], str | None]


def extract(data: bytes) -> list[Dependency]:
    deps = EXTRACTOR.extract(ExtractInput(PurePosixPath("Podfile.lock"), data))
    for dep in deps:
        assert dep.ecosystem is Ecosystem.COCOAPODS
        assert (dep.source, dep.extractor) == ("Podfile.lock", "cocoapods/podfilelock")
    return deps


def test_app() -> None:
    deps = extract((TESTDATA / "app.lock").read_bytes())
    assert [(d.name, d.version, d.direct, d.group, d.line, d.path, d.note) for d in deps] == [
        ("Alamofire", "5.8.1", True, None, 2, ("Alamofire",), None),
        # Two subspecs of one pod: one dependency, at the first subspec's line.
        ("Firebase", "10.18.0", True, None, 3, ("Firebase",), "subspecs CoreOnly, Crashlytics"),
        ("FirebaseCore", "10.18.0", False, None, 8, ("Firebase", "FirebaseCore"), None),
        (
            "FirebaseCrashlytics",
            "10.18.0",
            False,
            None,
            10,
            ("Firebase", "FirebaseCrashlytics"),
            None,
        ),
        (
            "GoogleUtilities",
            "7.12.0",
            False,
            None,
            13,
            ("Firebase", "FirebaseCore", "GoogleUtilities"),
            "subspecs Environment",
        ),
        (
            "InternalKit",
            "2.3.0",
            True,
            None,
            14,
            ("InternalKit",),
            "from spec repo git@github.com:acme/Specs.git",
        ),
        ("MyFeature", "0.1.0", True, "local", 16, ("MyFeature",), "from path ../MyFeature"),
        (
            "SnapKit",
            "5.6.0",
            True,
            None,
            18,
            ("SnapKit",),
            "from git https://github.com/SnapKit/SnapKit.git (tag 5.6.0)",
        ),
        ("SwiftLint", "0.54.0", True, None, 19, ("SwiftLint",), None),
    ]


def test_git_commit_from_checkout_options() -> None:
    text = (
        "PODS:\n  - Pod (1.0.0)\nDEPENDENCIES:\n  - Pod (from `https://x/pod.git`, branch `dev`)\n"
        "EXTERNAL SOURCES:\n  Pod:\n    :branch: dev\n    :git: https://x/pod.git\n"
        "CHECKOUT OPTIONS:\n  Pod:\n    :commit: 0123abc\n    :git: https://x/pod.git\n"
    )
    [dep] = extract(text.encode())
    assert dep.note == "from git https://x/pod.git@0123abc (branch dev)"


def test_same_pod_at_two_versions_is_reported_twice() -> None:
    text = "PODS:\n  - A (1.0.0)\n  - A/Sub (1.0.0)\n  - A (2.0.0)\n"
    deps = extract(text.encode())
    assert [(d.name, d.version, d.line, d.direct) for d in deps] == [
        ("A", "1.0.0", 2, False),
        ("A", "2.0.0", 4, False),
    ]


@pytest.mark.parametrize("text", ["", "# nothing\n", "COCOAPODS: 1.14.3\n", "PODS:\n"])
def test_nothing_locked(text: str) -> None:
    assert extract(text.encode()) == []


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("PODS: [\n", "invalid YAML", 2),
        ("- a\n", "Podfile.lock should be a mapping", None),
        ("PODS: a\n", "'PODS' should be a list", None),
        ("PODS:\n  - A\n", "PODS entry 'A' should be 'Name (version)'", 2),
        ("PODS:\n  - 1\n", "a PODS entry should be 'Name (version)'", 2),
        ("PODS:\n  - A (1.0):\n      x: 1\n", "requirements of 'A (1.0)' should be a list", 2),
        ("PODS:\n  - A (1.0):\n    - [B]\n", "requirement ['B'] of A (1.0) is malformed", 2),
        ("DEPENDENCIES: {}\n", "'DEPENDENCIES' should be a list", None),
        ("DEPENDENCIES:\n  - 3\n", "DEPENDENCIES entry 3 should be a string", None),
        ("EXTERNAL SOURCES:\n  A: x\n", "EXTERNAL SOURCES of A should be a mapping", None),
        ("a: 1\n---\nb: 2\n", "expected one YAML document", None),
    ],
)
def test_broken(text: str, message: str, line: int | None) -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(text.encode())
    assert caught.value.message.startswith(message)
    assert caught.value.line == line

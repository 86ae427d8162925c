"""go.mod: require versions raised in place (replace targets and toolchain too)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors.base import EditError, EditResult
from bastion.fixes.editors.gomod import GoModEditor
from bastion.sca.extractors.base import ExtractInput
from bastion.sca.extractors.go.gomod import GoModExtractor
from tests.fixes.editors.support import bump, version_and_fix
from tests.support.paths import shared_dir

GO = Ecosystem.GO
PATH = PurePosixPath("go.mod")
EDITOR = GoModEditor()
FIXTURE = (shared_dir() / "fixtures" / "go-app" / "go.mod").read_text()


def edit(text: str, *bumps: Any) -> EditResult:
    return EDITOR.edit(PATH, text.encode(), list(bumps))


def test_the_go_app_fixture() -> None:
    result = edit(
        FIXTURE,
        bump(GO, "github.com/gin-gonic/gin", ("1.5.0", "1.9.1")),
        bump(GO, "golang.org/x/net", ("0.0.0-20210226172049-e18ecbb05110", "0.17.0", False)),
        # The scan reports the replacement, which is what gets built.
        bump(GO, "github.com/gogo/protobuf", ("1.3.2", "1.3.3")),
    )
    expected = (
        FIXTURE.replace("gin-gonic/gin v1.5.0", "gin-gonic/gin v1.9.1")
        .replace("net v0.0.0-20210226172049-e18ecbb05110 // indirect", "net v0.17.0 // indirect")
        .replace("=> github.com/gogo/protobuf v1.3.2", "=> github.com/gogo/protobuf v1.3.3")
    )
    assert result.data.decode() == expected
    assert "github.com/gogo/protobuf v1.3.1\n" in expected  # the replaced requirement stays
    assert [c.after for c in result.changes] == ["v1.9.1", "v0.17.0", "v1.3.3"]


@pytest.mark.parametrize(
    ("text", "package", "occurrence", "expected"),
    [
        (
            "module m\n\nrequire example.com/a v1.0.0 // pinned\n",
            "example.com/a",
            ("1.0.0", "1.0.4"),
            "module m\n\nrequire example.com/a v1.0.4 // pinned\n",
        ),
        (
            'module m\n\nrequire "example.com/a" "v1.0.0"\n',
            "example.com/a",
            ("1.0.0", "1.0.4"),
            'module m\n\nrequire "example.com/a" "v1.0.4"\n',
        ),
        (
            "module m\n\nrequire github.com/dgrijalva/jwt-go v3.2.0+incompatible\n",
            "github.com/dgrijalva/jwt-go",
            ("3.2.0", "4.0.0-preview1"),
            "module m\n\nrequire github.com/dgrijalva/jwt-go v4.0.0-preview1+incompatible\n",
        ),
        (
            "module m\n\ngo 1.21\n\ntoolchain go1.21.3\n",
            "stdlib",
            ("1.21.3", "1.21.8"),
            "module m\n\ngo 1.21\n\ntoolchain go1.21.8\n",
        ),
    ],
)
def test_single_lines_quotes_incompatible_and_the_toolchain(
    text: str, package: str, occurrence: tuple[str, str], expected: str
) -> None:
    assert edit(text, bump(GO, package, occurrence)).data.decode() == expected


@pytest.mark.parametrize(
    ("text", "package", "reason"),
    [
        ("module m\n\ngo 1.21\n", "stdlib", "no toolchain directive"),
        ("module m\n\nrequire example.com/a v1.0.9\n", "example.com/a", "already at v1.0.9"),
        ("module m\n", "example.com/a", "not required in go.mod"),
    ],
)
def test_what_is_left_for_a_person(text: str, package: str, reason: str) -> None:
    result = edit(text, bump(GO, package, ("1.0.0", "1.0.4")))
    assert result.data.decode() == text
    assert reason in result.skipped[0].reason


def test_a_broken_go_mod_is_not_edited() -> None:
    with pytest.raises(EditError):
        edit("module m\nrequire (\n", bump(GO, "example.com/a", ("1.0.0", "1.0.4")))


def test_manifest_for() -> None:
    assert EDITOR.manifest_for(PurePosixPath("svc/go.mod")) == PurePosixPath("svc/go.mod")
    assert EDITOR.manifest_for(PurePosixPath("svc/vendor/modules.txt")) == PurePosixPath(
        "svc/go.mod"
    )
    assert EDITOR.manifest_for(PurePosixPath("go.sum")) is None


# -- the property ----------------------------------------------------------------------

modules = st.from_regex(
    r"(github\.com|example\.org)/[a-z]{1,6}/[a-z]{1,6}(/v[2-9])?", fullmatch=True
)


@st.composite
def gomods(draw: st.DrawFn) -> tuple[str, str, list[Any]]:
    """(go.mod, as it must be after the edit, bumps)."""
    pool = draw(st.lists(modules, min_size=1, max_size=8, unique=True))
    split = draw(st.integers(0, len(pool)))
    single, block = pool[:split], pool[split:]
    before = ["module example.org/app", "", "go 1.22", ""]
    after = list(before)
    bumps: list[Any] = []

    def line(prefix: str, module: str) -> None:
        installed, fixed = draw(version_and_fix())
        comment = draw(st.sampled_from(("", " // indirect", " // keep")))
        text = prefix + module + " v{}" + comment
        before.append(text.format(installed))
        if draw(st.booleans()):
            bumps.append(bump(GO, module, (installed, fixed, comment != " // indirect")))
            after.append(text.format(fixed))
        else:
            after.append(text.format(installed))

    for module in single:
        line("require ", module)
    if block:
        before.append("require (")
        after.append("require (")
        for module in block:
            line("\t", module)
        before.append(")")
        after.append(")")
    return "\n".join(before) + "\n", "\n".join(after) + "\n", bumps


@settings(max_examples=150, deadline=None)
@given(gomods())
def test_any_go_mod_changes_exactly_the_intended_versions(
    scenario: tuple[str, str, list[Any]],
) -> None:
    before, expected, bumps = scenario

    result = edit(before, *bumps)

    assert result.data.decode() == expected
    extractor = GoModExtractor()
    old = extractor.extract(ExtractInput(PATH, before.encode()))
    new = extractor.extract(ExtractInput(PATH, result.data))
    raised = {b.package: f"v{b.target}" for b in bumps}
    assert [(d.name, d.line, d.direct) for d in new] == [(d.name, d.line, d.direct) for d in old]
    assert [d.version for d in new] == [raised.get(d.name, d.version) for d in old]

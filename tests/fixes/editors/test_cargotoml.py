"""Cargo.toml: version requirements raised in place, renamed crates matched by name."""

from __future__ import annotations

import tomllib
from pathlib import PurePosixPath
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors.base import EditResult
from bastion.fixes.editors.cargotoml import CargoTomlEditor
from bastion.sca.extractors.base import ExtractInput
from bastion.sca.extractors.cargo.cargotoml import CargoTomlExtractor
from tests.fixes.editors.support import bump, version_and_fix
from tests.support.paths import shared_dir

CRATES = Ecosystem.CRATES_IO
PATH = PurePosixPath("Cargo.toml")
EDITOR = CargoTomlEditor()
FIXTURE = (shared_dir() / "fixtures" / "rust-app" / "Cargo.toml").read_text()


def edit(text: str, *bumps: Any) -> EditResult:
    return EDITOR.edit(PATH, text.encode(), list(bumps))


def test_the_rust_app_fixture() -> None:
    result = edit(
        FIXTURE,
        bump(CRATES, "hyper", ("0.14.9", "0.14.10")),
        bump(CRATES, "openssl", ("0.10.38", "0.10.55")),  # declared as ossl
        bump(CRATES, "chrono", ("0.4.19", "0.4.20")),
        bump(CRATES, "smallvec", ("1.6.0", "1.6.1", False)),
        bump(CRATES, "tokio", ("1.8.0", "1.8.4")),
    )
    expected = (
        FIXTURE.replace('hyper = { version = "0.14.9"', 'hyper = { version = "0.14.10"')
        .replace('version = "0.10.38"', 'version = "0.10.55"')
        .replace('chrono = "0.4.19"', 'chrono = "0.4.20"')
        .replace('smallvec = "1.6.0"', 'smallvec = "1.6.1"')
        .replace('tokio = { version = "1.8.0"', 'tokio = { version = "1.8.4"')
    )
    assert result.data.decode() == expected
    assert {c.package for c in result.changes} == {
        "hyper",
        "openssl",
        "chrono",
        "smallvec",
        "tokio",
    }


def test_transitive_crates_and_unusual_requirements_are_left() -> None:
    text = '[dependencies]\nserde = ">=1.0, <2"\nlog = "0.4.20"\n'
    result = edit(
        text,
        bump(CRATES, "serde", ("1.0.100", "1.0.110")),
        bump(CRATES, "log", ("0.4.14", "0.4.17")),
        bump(CRATES, "memchr", ("2.3.0", "2.3.4", False)),
    )
    assert result.data.decode() == text
    assert [s.reason for s in result.skipped] == [
        "constraint '>=1.0, <2' is not a single version; raise it by hand",
        "already requires 0.4.20",
        "not declared in Cargo.toml",
    ]


def test_tables_targets_and_the_workspace() -> None:
    text = (
        "[workspace.dependencies]\n"
        'regex = "1.5.4"\n\n'
        "[target.'cfg(unix)'.dependencies]\n"
        'nix = "~0.20.0"\n\n'
        "[dependencies.time]\n"
        'version = "=0.3.5"\n'
        'features = ["macros"]\n\n'
        "[package.metadata]\n"
        'time = "0.3.5"\n'
    )
    result = edit(
        text,
        bump(CRATES, "regex", ("1.5.4", "1.5.5")),
        bump(CRATES, "nix", ("0.20.0", "0.20.2")),
        bump(CRATES, "time", ("0.3.5", "0.3.17")),
    )
    after = tomllib.loads(result.data.decode())
    assert after["workspace"]["dependencies"]["regex"] == "1.5.5"
    assert after["target"]["cfg(unix)"]["dependencies"]["nix"] == "~0.20.2"
    assert after["dependencies"]["time"]["version"] == "=0.3.17"
    assert after["package"]["metadata"]["time"] == "0.3.5"


crates = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)


@st.composite
def manifests(draw: st.DrawFn) -> tuple[str, str, list[Any]]:
    pool = draw(st.lists(crates, min_size=1, max_size=6, unique_by=lambda n: n.replace("_", "-")))
    before = ['[package]\nname = "demo"\nversion = "0.1.0"\n']
    after = list(before)
    bumps: list[Any] = []
    split = draw(st.integers(0, len(pool)))
    for section, names in (("dependencies", pool[:split]), ("dev-dependencies", pool[split:])):
        before.append(f"[{section}]")
        after.append(f"[{section}]")
        for name in names:
            installed, fixed = draw(version_and_fix())
            operator = draw(st.sampled_from(("", "^", "~", "=")))
            form = draw(
                st.sampled_from(
                    ('{n} = "{o}{v}"', '{n} = {{ version = "{o}{v}", features = ["x"] }}')
                )
            )
            raise_it = draw(st.booleans())
            if raise_it:
                bumps.append(bump(CRATES, name, (installed, fixed)))
            before.append(form.format(n=name, o=operator, v=installed))
            after.append(form.format(n=name, o=operator, v=fixed if raise_it else installed))
    return "\n".join(before) + "\n", "\n".join(after) + "\n", bumps


@settings(max_examples=100, deadline=None)
@given(manifests())
def test_any_cargo_toml_changes_exactly_the_intended_requirements(
    scenario: tuple[str, str, list[Any]],
) -> None:
    before, expected, bumps = scenario

    result = edit(before, *bumps)

    assert result.data.decode() == expected
    extractor = CargoTomlExtractor()
    old = extractor.extract(ExtractInput(PATH, before.encode()))
    new = extractor.extract(ExtractInput(PATH, result.data))
    assert [(d.name, d.group, d.line) for d in new] == [(d.name, d.group, d.line) for d in old]

"""pyproject.toml: PEP 508 requirements and Poetry constraints raised in place."""

from __future__ import annotations

import tomllib
from pathlib import PurePosixPath
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors.base import EditError, EditResult
from bastion.fixes.editors.pyproject import PyprojectEditor
from bastion.sca.extractors.base import ExtractInput
from bastion.sca.extractors.pypi.pyproject import PyprojectExtractor
from tests.fixes.editors.support import bump, version_and_fix

PYPI = Ecosystem.PYPI
PATH = PurePosixPath("pyproject.toml")
EDITOR = PyprojectEditor()


def edit(text: str, *bumps: Any) -> EditResult:
    return EDITOR.edit(PATH, text.encode(), list(bumps))


def project(*requirements: str) -> str:
    listed = "".join(f"    {r},  # why\n" for r in requirements)
    return f'[project]\nname = "demo"\ndependencies = [\n{listed}]\n'


@pytest.mark.parametrize(
    ("requirement", "raised"),
    [
        ('"Django==3.2.0"', '"Django==3.2.25"'),
        ('"django >= 3.2.0, < 5"', '"django >= 3.2.25, < 5"'),
        ('"Django~=3.2.0"', '"Django~=3.2.25"'),
        ("'Django[argon2]'", "'Django[argon2]>=3.2.25'"),
        (
            "\"Django ; python_version >= '3.9'\"",
            "\"Django>=3.2.25 ; python_version >= '3.9'\"",
        ),
    ],
)
def test_pep508_requirements_keep_their_form(requirement: str, raised: str) -> None:
    text = project(requirement, '"requests>=2"')
    result = edit(text, bump(PYPI, "django", ("3.2.0", "3.2.25")))
    assert result.data.decode() == text.replace(requirement, raised)


@pytest.mark.parametrize(
    ("requirement", "reason"),
    [
        ('"Django>=3.2.0,<3.2.10"', "cannot admit 3.2.25"),
        ('"Django<4"', "has no single pin or lower bound"),
        ('"Django @ https://example.com/d.whl"', "installed from a URL"),
    ],
)
def test_requirements_left_for_a_person(requirement: str, reason: str) -> None:
    text = project(requirement)
    result = edit(text, bump(PYPI, "django", ("3.2.0", "3.2.25")))
    assert result.data.decode() == text
    assert reason in result.skipped[0].reason


def test_groups_extras_and_poetry_tables() -> None:
    text = (
        "[project.optional-dependencies]\n"
        'web = ["flask==2.0.1"]\n\n'
        "[dependency-groups]\n"
        'dev = ["pytest>=7.0.0", {include-group = "web"}]\n\n'
        "[tool.poetry.dependencies]\n"
        'python = "^3.11"\n'
        'pillow = "^8.0"\n'
        'numpy = { version = "~1.21.0", optional = true }\n\n'
        "[tool.other]\n"
        'copy = "flask==2.0.1"\n'
    )
    result = edit(
        text,
        bump(PYPI, "Flask", ("2.0.1", "2.2.5")),
        bump(PYPI, "pytest", ("7.0.0", "7.2.0")),
        bump(PYPI, "Pillow", ("8.0.0", "10.0.1")),
        bump(PYPI, "numpy", ("1.21.0", "1.22.0")),
    )
    after = tomllib.loads(result.data.decode())
    assert after["project"]["optional-dependencies"]["web"] == ["flask==2.2.5"]
    assert after["dependency-groups"]["dev"][0] == "pytest>=7.2.0"
    assert after["tool"]["poetry"]["dependencies"] == {
        "python": "^3.11",
        "pillow": "^10.0.1",
        "numpy": {"version": "~1.22.0", "optional": True},
    }
    assert after["tool"]["other"]["copy"] == "flask==2.0.1"  # not a dependency table


def test_a_package_only_the_lockfile_knows_is_left_to_the_lockfile_command() -> None:
    text = project('"django>=3.2.0"')
    result = edit(text, bump(PYPI, "urllib3", ("1.24.1", "1.26.5", False)))
    assert result.data.decode() == text
    assert result.skipped[0].reason == "not declared in pyproject.toml"


def test_invalid_toml_is_not_edited() -> None:
    with pytest.raises(EditError):
        edit("[project\n", bump(PYPI, "django", ("3.2.0", "3.2.25")))


def test_manifest_for() -> None:
    for source in ("uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", "pylock.dev.toml"):
        assert EDITOR.manifest_for(PurePosixPath("svc", source)) == PurePosixPath(
            "svc/pyproject.toml"
        )
    assert EDITOR.manifest_for(PurePosixPath("Pipfile.lock")) is None


# -- the property ----------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)


@st.composite
def pyprojects(draw: st.DrawFn) -> tuple[str, str, list[Any]]:
    pool = draw(st.lists(names, min_size=1, max_size=6, unique=True))
    split = draw(st.integers(0, len(pool)))
    quote = draw(st.sampled_from(('"', "'")))
    before: list[str] = ["[project]", 'name = "demo"', "dependencies = ["]
    after = list(before)
    bumps: list[Any] = []
    poetry_before: list[str] = ["", "[tool.poetry.dependencies]", 'python = "^3.11"']
    poetry_after = list(poetry_before)
    for index, name in enumerate(pool):
        installed, fixed = draw(version_and_fix())
        raise_it = draw(st.booleans())
        if raise_it:
            bumps.append(bump(PYPI, name, (installed, fixed)))
        if index < split:
            form = draw(
                st.sampled_from(("{n}=={v}", "{n}>={v}", "{n} ~= {v}", "{n}>={v},<{u}", "{n}"))
            )
            upper = str(int(installed.split(".")[0]) + 2)
            old = form.format(n=name, v=installed, u=upper)
            new = form.format(n=name, v=fixed, u=upper) if "{v}" in form else f"{name}>={fixed}"
            before.append(f"    {quote}{old}{quote},")
            after.append(f"    {quote}{new if raise_it else old}{quote},")
        else:
            form = draw(
                st.sampled_from(('{n} = "^{v}"', '{n} = {{ version = "~{v}", optional = true }}'))
            )
            poetry_before.append(form.format(n=name, v=installed))
            poetry_after.append(form.format(n=name, v=fixed if raise_it else installed))
    before.append("]")
    after.append("]")
    return (
        "\n".join(before + poetry_before) + "\n",
        "\n".join(after + poetry_after) + "\n",
        bumps,
    )


@settings(max_examples=150, deadline=None)
@given(pyprojects())
def test_any_pyproject_changes_exactly_the_intended_requirements(
    scenario: tuple[str, str, list[Any]],
) -> None:
    before, expected, bumps = scenario

    result = edit(before, *bumps)

    assert result.data.decode() == expected
    extractor = PyprojectExtractor()
    old = extractor.extract(ExtractInput(PATH, before.encode()))
    new = extractor.extract(ExtractInput(PATH, result.data))
    assert [(d.name, d.group, d.line) for d in new] == [(d.name, d.group, d.line) for d in old]
    raised = {b.package for b in bumps}
    for was, now in zip(old, new, strict=True):
        if was.name not in raised:
            assert (now.version, now.note) == (was.version, was.note)

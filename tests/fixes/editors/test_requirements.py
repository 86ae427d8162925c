"""pip requirements files: pins raised in place, everything else byte for byte."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.ecosystems import Ecosystem
from bastion.fixes.editors.base import EditResult
from bastion.fixes.editors.requirements import RequirementsEditor
from bastion.sca.extractors.base import ExtractInput
from bastion.sca.extractors.pypi.requirements import RequirementsExtractor
from tests.fixes.editors.support import bump, version_and_fix
from tests.support.paths import shared_dir

PYPI = Ecosystem.PYPI
PATH = PurePosixPath("requirements.txt")
EDITOR = RequirementsEditor()


def edit(text: str, *bumps: Any) -> EditResult:
    return EDITOR.edit(PATH, text.encode(), list(bumps))


@pytest.mark.parametrize(
    ("line", "raised"),
    [
        ("Django==2.2", "Django==2.2.28"),
        ("django == 2.2  # web", "django == 2.2.28  # web"),
        (
            "Django[argon2]==2.2 ; python_version < '3.10'",
            "Django[argon2]==2.2.28 ; python_version < '3.10'",
        ),
        ("Django===2.2", "Django===2.2.28"),
        ("Django>=2.2", "Django>=2.2.28"),
        ("Django~=2.2", "Django~=2.2.28"),
        ("DJANGO==2.2.0", "DJANGO==2.2.28"),  # 2.2.0 is 2.2 under PEP 440
        (
            "Django==2.2 \\\n  ; python_version < '3.10'",
            "Django==2.2.28 \\\n  ; python_version < '3.10'",
        ),
    ],
)
def test_a_pin_is_raised_in_place(line: str, raised: str) -> None:
    text = f"# web stack\r\n{line}\nFlask==0.12.2\n"
    result = edit(text, bump(PYPI, "django", ("2.2", "2.2.28")))
    assert result.data.decode() == text.replace(line, raised)
    assert len(result.changes) == 1
    assert result.skipped == ()


def test_each_line_gets_the_fix_for_its_own_version() -> None:
    text = "numpy==1.16.0; python_version<'3.8'\nnumpy==1.21.0; python_version>='3.8'\n"
    numpy = bump(PYPI, "numpy", ("1.16.0", "1.16.6"), ("1.21.0", "1.22.0"))
    result = edit(text, numpy)
    assert result.data.decode() == (
        "numpy==1.16.6; python_version<'3.8'\nnumpy==1.22.0; python_version>='3.8'\n"
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Django==2.2 --hash=sha256:0123", "pinned with --hash"),
        ("Django==2.2 \\\n    --hash=sha256:0123", "pinned with --hash"),
        ("Django>=2.2,<3", "is not one pin or lower bound"),
        ("Django==2.*", "is not one pin or lower bound"),
        ("Django", "is not one pin or lower bound"),
        ("Django @ https://example.com/Django-2.2.tar.gz", "installed from a URL"),
        ("Django==2.2.28", "already requires ==2.2.28"),
        ("Flask==0.12.2", "not required in requirements.txt"),
    ],
)
def test_lines_left_for_a_person(line: str, reason: str) -> None:
    text = line + "\n"
    result = edit(text, bump(PYPI, "Django", ("2.2", "2.2.28")))
    assert result.data.decode() == text
    assert result.changes == ()
    assert reason in result.skipped[0].reason


def test_the_python_app_fixture() -> None:
    source = shared_dir() / "fixtures" / "python-app" / "requirements.txt"
    text = source.read_text()
    result = edit(
        text,
        bump(PYPI, "Django", ("2.2", "2.2.28")),
        bump(PYPI, "PyYAML", ("5.1", "5.4")),
        bump(PYPI, "pip", ("19.0", "23.3")),
    )
    expected = text.replace("Django==2.2\n", "Django==2.2.28\n")
    expected = expected.replace("PyYAML==5.1\n", "PyYAML==5.4\n").replace(
        "pip==19.0\n", "pip==23.3\n"
    )
    assert result.data.decode() == expected


def test_manifest_for() -> None:
    assert EDITOR.manifest_for(PurePosixPath("requirements/prod.txt")) == PurePosixPath(
        "requirements/prod.txt"
    )
    assert EDITOR.manifest_for(PurePosixPath("base.in")) == PurePosixPath("base.in")
    assert EDITOR.manifest_for(PurePosixPath("poetry.lock")) is None


# -- the property ----------------------------------------------------------------------

names = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,5}(?:[-_.][A-Za-z0-9]{1,3})?", fullmatch=True)


@st.composite
def requirement_lines(draw: st.DrawFn) -> tuple[list[str], list[str], list[Any]]:
    """(lines before, lines after, bumps): requirement lines amid comments and options."""
    pool = draw(
        st.lists(
            names,
            min_size=1,
            max_size=8,
            unique_by=lambda n: n.lower().replace("_", "-").replace(".", "-"),
        )
    )
    before: list[str] = []
    after: list[str] = []
    bumps: list[Any] = []
    for name in pool:
        for noise in draw(
            st.lists(
                st.sampled_from(("", "# a comment", "--index-url https://x/simple")), max_size=2
            )
        ):
            before.append(noise)
            after.append(noise)
        installed, fixed = draw(version_and_fix())
        operator = draw(st.sampled_from(("==", ">=", "~=")))
        gap = draw(st.sampled_from(("", " ")))
        extras = draw(st.sampled_from(("", "[extra]")))
        tail = draw(st.sampled_from(("", "  # pinned", " ; python_version >= '3.8'")))
        line = f"{name}{extras}{gap}{operator}{gap}{{}}{tail}"
        before.append(line.format(installed))
        if draw(st.booleans()):
            bumps.append(bump(PYPI, name, (installed, fixed)))
            after.append(line.format(fixed))
        else:
            after.append(line.format(installed))
    return before, after, bumps


@settings(max_examples=150, deadline=None)
@given(requirement_lines(), st.sampled_from(("\n", "\r\n")), st.booleans())
def test_any_requirements_file_changes_exactly_the_intended_versions(
    scenario: tuple[list[str], list[str], list[Any]], newline: str, final: bool
) -> None:
    before_lines, after_lines, bumps = scenario
    end = newline if final else ""
    before = newline.join(before_lines) + end

    result = edit(before, *bumps)

    assert result.data.decode() == newline.join(after_lines) + end
    assert len(result.changes) == len(bumps)
    extractor = RequirementsExtractor()
    old = extractor.extract(ExtractInput(PATH, before.encode()))
    new = extractor.extract(ExtractInput(PATH, result.data))
    raised = {b.package: b.target for b in bumps}
    assert [(d.name, d.line, d.approximate) for d in new] == [
        (d.name, d.line, d.approximate) for d in old
    ]
    assert [d.version for d in new] == [raised.get(d.name, d.version) for d in old]

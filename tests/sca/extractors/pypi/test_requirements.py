from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import Dependency
from bastion.sca.extractors.base import ExtractInput, ExtractionError
from bastion.sca.extractors.pypi._shared import LOWER_BOUND as LOWER
from bastion.sca.extractors.pypi._shared import UPPER_BOUND as UPPER
from bastion.sca.extractors.pypi.requirements import UNPINNED, RequirementsExtractor
from tests.sca.extractors.pypi.support import extract_in

TESTDATA = Path(__file__).parent / "testdata"
EXTRACTOR = RequirementsExtractor()

# (name, version, line, note)
Row = tuple[str, str | None, int, str | None]


def extract(data: bytes, name: str = "requirements.txt") -> list[Dependency]:
    return EXTRACTOR.extract(ExtractInput(PurePosixPath(name), data))


def rows(deps: list[Dependency]) -> list[Row]:
    assert all(d.line is not None for d in deps)
    return [(d.name, d.version, d.line or 0, d.note) for d in deps]


def url_note(url: str) -> str:
    return f"installed from a URL ({url}), {UNPINNED}"


EXPECTED: dict[str, list[Row]] = {
    "pins-ranges-and-options.txt": [
        # Options, includes and comments (lines 1-6) declare no package.
        ("Django", "2.2", 7, None),
        ("requests", "2.31.0", 8, None),  # extras and an environment marker
        ("flask", None, 9, UNPINNED),
        ("numpy", None, 10, UNPINNED),
        ("celery", "5.3.0", 11, None),  # === arbitrary equality
        ("pytz", None, 12, UNPINNED),  # a wildcard is a range
        ("urllib3", "1.26.18", 13, None),
        ("six", None, 14, UNPINNED),  # two == clauses
        ("Jinja2", "3.1.2", 15, LOWER),  # one ~= clause: approximate, not a pin
        (
            "acme-tool",
            None,
            16,
            "editable install from git+https://github.com/acme/tool.git@v1.0#egg=acme-tool, "
            + UNPINNED,
        ),
        # line 17: "-e ." is the project itself
        (
            "acme_other",
            None,
            18,
            "editable install from git+https://github.com/acme/other.git#egg=acme_other, "
            + UNPINNED,
        ),
        ("acme-lib", None, 19, url_note("git+https://github.com/acme/lib.git@main#egg=acme-lib")),
        ("pip", None, 20, url_note("https://github.com/pypa/pip/archive/22.0.zip")),
        # lines 21-22: a local directory and a local wheel name no registry package
        (
            "Django",
            None,
            23,
            "unparseable requirement (Expected semicolon (after name with no version "
            f"specifier) or end), {UNPINNED}",
        ),
    ],
    "continuations-and-hashes.txt": [
        ("cryptography", "41.0.7", 1, None),
        ("idna", "3.4", 4, None),
        # Line 6 is a comment ending in a backslash: pip does not join it with line 7.
        ("Flask", "1.0", 7, None),
        ("attrs", "23.1.0", 8, None),
        ("packaging", "23.2", 11, None),  # a continuation at the end of the file
    ],
    "crlf.txt": [("certifi", "2023.7.22", 1, None), ("chardet", "5.2.0", 3, None)],
}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture(fixture: str) -> None:
    deps = extract((TESTDATA / fixture).read_bytes())
    assert rows(deps) == EXPECTED[fixture]
    assert [d.approximate for d in deps] == [d.note == LOWER for d in deps]
    for dep in deps:
        assert (dep.ecosystem, dep.direct, dep.group, dep.path) == (
            Ecosystem.PYPI,
            True,
            None,
            (dep.name,),
        )
        assert (dep.source, dep.extractor) == ("requirements.txt", "pypi/requirements")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("name==1.0", ("name", "1.0", None)),
        ("name == 1.0 ; sys_platform == 'win32'", ("name", "1.0", None)),
        ("name[a,b]==1.0", ("name", "1.0", None)),
        ("name>=1.0", ("name", "1.0", LOWER)),
        ("name~=1.0", ("name", "1.0", LOWER)),
        ("name>1.0", ("name", None, UNPINNED)),
        ("name<1.0", ("name", None, UNPINNED)),
        ("name>=1.0,<2", ("name", None, UNPINNED)),
        ("name==${VERSION}", ("name", None, f"uses an environment variable, {UNPINNED}")),
        ("${PACKAGE_URL}", None),
        ("name==1.0.*", ("name", None, UNPINNED)),
        # Arbitrary equality with nothing after it (found by the mutation property).
        ("name===", ("name", None, UNPINNED)),
        ("name===1.0-custom", ("name", "1.0-custom", None)),
        ("name!=1.0", ("name", None, UNPINNED)),
        ("name<=1.0", ("name", "1.0", UPPER)),
        ("name", ("name", None, UNPINNED)),
        ("name==1.0 --hash=sha256:abc --hash=sha256:def", ("name", "1.0", None)),
        ("-r other.txt", None),
        ("--requirement=other.txt", None),
        ("-c constraints.txt", None),
        ("--find-links ./wheels", None),
        ("-e ./local", None),
        (
            "-egit+https://h/r.git#egg=r",
            ("r", None, f"editable install from git+https://h/r.git#egg=r, {UNPINNED}"),
        ),
        ("--editable ./local", None),
        ("--only-binary :all:", None),
        ("   ", None),
        ("# comment", None),
        ("https://example.com/pkg.tar.gz", None),
    ],
)
def test_single_lines(line: str, expected: tuple[str, str | None, str | None] | None) -> None:
    deps = extract(line.encode())
    assert [(d.name, d.version, d.note) for d in deps] == ([expected] if expected else [])


def test_not_utf8() -> None:
    with pytest.raises(ExtractionError, match="not UTF-8"):
        extract(b"Django==2.2\n\xff\xfe\n")


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("requirements.txt", True),
        ("requirements-dev.txt", True),
        ("dev-requirements.txt", True),
        ("a/b/requirements_test.txt", True),
        ("requirements/base.txt", True),
        ("requirements/README.md", False),
        ("requirements.in", False),
        ("notes.txt", False),
        ("constraints.txt", False),
    ],
)
def test_wants(path: str, wanted: bool) -> None:
    assert EXTRACTOR.wants(PurePosixPath(path)) is wanted


def test_shared_python_app(shared: Path) -> None:
    deps = extract((shared / "fixtures" / "python-app" / "requirements.txt").read_bytes())
    assert len(deps) == 30
    assert all(d.version is not None and d.note is None for d in deps)
    by_name = {d.name: d for d in deps}
    assert (by_name["Django"].version, by_name["Django"].line) == ("2.2", 3)
    assert by_name["PyYAML"].version == "5.1"
    assert by_name["setuptools"].line == 40


def test_includes_and_constraints() -> None:
    deps = extract_in(EXTRACTOR, TESTDATA / "includes", "requirements.txt")
    assert [(d.source, d.line, d.name, d.version, d.approximate, d.note) for d in deps] == [
        # base.in (line 2 of requirements.txt) first includes requirements/common.pip,
        # whose "-r ../base.in" closes a cycle.
        ("requirements/common.pip", 2, "certifi", "2023.7.22", False, None),
        (
            "requirements/common.pip",
            3,
            "urllib3",
            "2.0.7",
            False,
            "pinned by constraints file more-constraints.txt:1",
        ),
        ("base.in", 3, "six", "1.16.0", False, "pinned by constraints file constraints.txt:1"),
        ("base.in", 4, "requests", "2.31.0", False, None),
        # requirements-dev.txt is the walker's to extract; requirements/common.pip was
        # already read; missing.in and ../outside.in are skipped.
        (
            "requirements.txt",
            8,
            "idna",
            "3.4",
            False,
            "pinned by constraints file constraints.txt:2",
        ),
        (
            "requirements.txt",
            9,
            "attrs",
            "23.1.0",
            False,
            "pinned by constraints file constraints.txt:3",
        ),
        ("requirements.txt", 10, "Flask", "2.3.0", True, LOWER),
        ("requirements.txt", 11, "django", "4.2", True, UPPER),
        ("requirements.txt", 12, "zope.interface", None, False, UNPINNED),
        # A constraint never pins a URL requirement, and never adds a package (zipp).
        (
            "requirements.txt",
            13,
            "pip",
            None,
            False,
            "installed from a URL (https://github.com/pypa/pip/archive/22.0.zip), " + UNPINNED,
        ),
    ]
    assert all(d.direct and d.path == (d.name,) for d in deps)


def test_missing_includes_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING"):
        deps = extract_in(EXTRACTOR, TESTDATA / "includes", "requirements.txt")
    assert len(deps) == 10
    assert "included file missing.in not found" in caplog.text
    assert "'../outside.in' is outside the scanned tree" in caplog.text


@pytest.mark.parametrize(
    "line",
    ["-r base.in", "-rbase.in", "--requirement base.in", "--requirement=base.in", "-r 'base.in'"],
)
def test_include_spellings(line: str) -> None:
    def read(path: PurePosixPath) -> bytes | None:
        return b"six==1.16.0\n" if path == PurePosixPath("sub/base.in") else None

    deps = EXTRACTOR.extract(
        ExtractInput(PurePosixPath("sub/requirements.txt"), line.encode(), read)
    )
    assert [(d.name, d.version, d.source, d.line) for d in deps] == [
        ("six", "1.16.0", "sub/base.in", 1)
    ]


def test_a_constraints_file_may_be_wanted_and_an_included_file_may_be_broken() -> None:
    files = {
        "requirements.txt": b"-c requirements-lock.txt\n-r broken.in\nsix\n",
        "requirements-lock.txt": b"six==1.16.0\n",
        "broken.in": b"\xff\xfe",
    }

    def read(path: PurePosixPath) -> bytes | None:
        return files.get(str(path))

    deps = EXTRACTOR.extract(
        ExtractInput(PurePosixPath("requirements.txt"), files["requirements.txt"], read)
    )
    assert [(d.name, d.version) for d in deps] == [("six", "1.16.0")]

"""The three-way contract of ../shared/fixtures/*-app/EXPECTED.md: exactly which direct
dependencies the sources import, which they do not, and that every listed trap stays out.

The expected names are written here and also read from EXPECTED.md, and the two must
agree, so neither a typo here nor a misread table can weaken the test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bastion.models import Dependency
from bastion.sca.reachability import ImportReport, analyse_imports
from bastion.sca.walker import collect
from tests.support.paths import shared_dir

NPM_IMPORTED = {
    "express",
    "lodash",
    "debug",
    "cookie",
    "minimist",
    "xml2js",
    "@xmldom/xmldom",
    "axios",
    "qs",
    "node-fetch",
    "handlebars",
    "jsonwebtoken",
    "moment",
    "semver",
    "jquery",
    "sanitize-html",
    "validator",
    "marked",
    "ws",
}
NPM_TRAPS = {"underscore", "tar", "ejs", "shell-quote", "y18n", "ini"}

PYTHON_IMPORTED = {
    "requests",
    "Flask",
    "Jinja2",
    "SQLAlchemy",
    "python-dateutil",
    "Pillow",
    "beautifulsoup4",
    "lxml",
    "numpy",
    "pycrypto",
    "cryptography",
    "PyYAML",
    "Django",
    "protobuf",
}
PYTHON_TRAPS = {"Markdown", "aiohttp", "bleach", "Pygments", "Twisted", "tornado", "paramiko"}
PYTHON_TRAPS |= {"Babel"}

GO_IMPORTED = {
    "github.com/dgrijalva/jwt-go",
    "github.com/gin-gonic/gin",
    "golang.org/x/crypto",
    "github.com/prometheus/client_golang",
    "github.com/tidwall/gjson",
    "golang.org/x/text",
    "gopkg.in/yaml.v2",
    "github.com/gorilla/websocket",
}
GO_TRAPS = {"github.com/ulikunitz/xz", "github.com/labstack/echo/v4", "github.com/pkg/errors"}
GO_TRAPS |= {"github.com/gogo/protobuf"}
GO_INDIRECT = {"github.com/tidwall/match", "github.com/tidwall/pretty", "golang.org/x/net"}

RUST_IMPORTED = {"log", "atty", "chrono", "regex", "tokio", "hyper", "openssl", "crossbeam-deque"}
RUST_TRAPS = {"smallvec", "idna", "serde", "shlex"}


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _count(section: str) -> int:
    match = re.search(r"\((\d+)(?: of \d+)?[^)]*\)", section.splitlines()[0])
    assert match, section.splitlines()[0]
    return int(match.group(1))


def documented_imported(text: str, heading: str) -> set[str]:
    section = _section(text, heading)
    names = set()
    for row in section.splitlines()[1:]:
        if row.startswith("|") and not set(row) <= set("|-: "):
            first = row.strip("|").split("|")[0].strip()
            names.add(first.split()[0])
    names -= {"dependency", "distribution", "module"}  # header cells
    assert len(names) == _count(section), (heading, names)
    return names


def documented_not_imported(text: str, heading: str) -> set[str]:
    section = _section(text, heading)
    paragraph = " ".join(section.split("\n\n")[1].split())
    listed = re.split(r"\.(?:\s|$)", paragraph, maxsplit=1)[0]
    names = {re.sub(r"\s*\(.*\)$", "", n.strip()) for n in listed.split(",")}
    assert len(names) == _count(section), (heading, names)
    return names


@pytest.fixture(scope="module")
def fixtures() -> Path:
    return shared_dir() / "fixtures"


def analyse(app: Path) -> tuple[list[Dependency], ImportReport]:
    dependencies, errors = collect(app)
    assert not errors, errors
    return dependencies, analyse_imports(app, dependencies)


def verdicts(dependencies: list[Dependency], report: ImportReport) -> dict[str, str]:
    return {d.name: report.verdict(d).reachability for d in dependencies if d.direct}


def evidence(dependencies: list[Dependency], report: ImportReport, name: str) -> tuple[str, ...]:
    (found,) = [d for d in dependencies if d.name == name and d.direct]
    return report.verdict(found).evidence


def test_npm_app(fixtures: Path) -> None:
    app = fixtures / "npm-app"
    text = (app / "EXPECTED.md").read_text()
    assert documented_imported(text, "## Direct dependencies imported") == NPM_IMPORTED
    not_imported = documented_not_imported(text, "## Direct dependencies NOT imported")
    assert not_imported >= NPM_TRAPS

    dependencies, report = analyse(app)
    found = verdicts(dependencies, report)
    assert len(found) == 41
    assert {n for n, v in found.items() if v == "imported"} == NPM_IMPORTED
    assert {n for n, v in found.items() if v == "not_imported"} == not_imported
    assert evidence(dependencies, report, "lodash") == (
        "src/render/markdown.mjs:2",
        "src/server.js:6",
    )
    assert evidence(dependencies, report, "@xmldom/xmldom") == (
        "src/server.js:11",
        "src/xml/feed.ts:1",
    )
    assert evidence(dependencies, report, "handlebars") == ("src/client.mjs:18",)
    assert evidence(dependencies, report, "underscore") == ()


def test_npm_app_nested_copies_are_not_what_the_code_loads(fixtures: Path) -> None:
    dependencies, report = analyse(fixtures / "npm-app")
    nested = [d for d in dependencies if d.name == "cookie" and not d.direct]
    assert [d.version for d in nested] == ["0.3.1"]
    verdict = report.verdict(nested[0])
    assert verdict.reachability == "not_imported"
    assert verdict.evidence == (
        "src/server.js:8 (loads cookie 0.4.0, the direct dependency, not this copy)",
    )


def test_python_app(fixtures: Path) -> None:
    app = fixtures / "python-app"
    text = (app / "EXPECTED.md").read_text()
    assert documented_imported(text, "## Distributions imported") == PYTHON_IMPORTED
    not_imported = documented_not_imported(text, "## Distributions NOT imported")
    assert not_imported >= PYTHON_TRAPS

    dependencies, report = analyse(app)
    found = verdicts(dependencies, report)
    assert len(found) == 30
    assert {n for n, v in found.items() if v == "imported"} == PYTHON_IMPORTED
    assert {n for n, v in found.items() if v == "not_imported"} == not_imported
    assert evidence(dependencies, report, "protobuf") == (
        "src/acme_portal/messages.py:2",
        "src/acme_portal/messages.py:3",
    )
    assert evidence(dependencies, report, "PyYAML") == ("src/acme_portal/config.py:6",)


def test_go_app(fixtures: Path) -> None:
    app = fixtures / "go-app"
    text = (app / "EXPECTED.md").read_text()
    assert documented_imported(text, "## Modules imported") == GO_IMPORTED
    not_imported = documented_not_imported(text, "## Direct requirements NOT imported")
    assert not_imported == GO_TRAPS | {"github.com/google/uuid"}

    dependencies, report = analyse(app)
    found = verdicts(dependencies, report)
    found.pop("stdlib", None)  # the extractor's standard library entry
    assert len(found) == 13
    assert {n for n, v in found.items() if v == "imported"} == GO_IMPORTED
    assert {n for n, v in found.items() if v == "not_imported"} == not_imported
    for dependency in dependencies:
        if dependency.name in GO_INDIRECT:
            assert report.verdict(dependency).reachability == "not_imported"
    assert evidence(dependencies, report, "golang.org/x/crypto") == ("main.go:10",)


def test_rust_app(fixtures: Path) -> None:
    app = fixtures / "rust-app"
    text = (app / "EXPECTED.md").read_text()
    assert documented_imported(text, "## Dependencies used") == RUST_IMPORTED
    not_imported = documented_not_imported(text, "## Dependencies NOT used")
    assert not_imported >= RUST_TRAPS

    dependencies, report = analyse(app)
    found = verdicts(dependencies, report)
    assert len(found) == 13
    assert {n for n, v in found.items() if v == "imported"} == RUST_IMPORTED
    assert {n for n, v in found.items() if v == "not_imported"} == not_imported
    assert evidence(dependencies, report, "openssl") == ("src/net.rs:6",)
    assert evidence(dependencies, report, "log") == ("src/main.rs:2",)

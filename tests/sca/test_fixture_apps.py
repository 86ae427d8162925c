"""End to end over ../shared/fixtures/*-app: exactly the (package, advisory) pairs that each
fixture's EXPECTED.md lists, computed independently when the data was built.

The expectations are read from EXPECTED.md itself, and each parser checks the totals the
document states, so a misread table fails loudly instead of weakening the test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bastion.advisories.store import LocalMirror
from bastion.models import ScanResult
from bastion.sca.scanner import scan_path

Pair = tuple[str, str, str]  # (package, version, advisory id)


def _rows(text: str, heading: str) -> list[list[str]]:
    """Data rows of the Markdown table whose header line starts with ``heading``."""
    section = text[text.index(heading) :]
    rows: list[list[str]] = []
    started = False
    for line in section.splitlines()[1:]:
        if line.startswith("|"):
            started = True
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif started:
            break
    return rows


def _ids(cell: str, prefix: str) -> list[str]:
    return re.findall(rf"\b{prefix}-[0-9A-Za-z-]+?(?=[\s,()]|$)", cell)


def expected_python(text: str) -> set[Pair]:
    pairs = set()
    for name, pinned, count, ids in _rows(text, "| distribution | pinned |"):
        found = _ids(ids, "PYSEC")
        assert len(found) == int(count), name
        pairs |= {(name, pinned, i) for i in found}
    assert len(pairs) == 135
    return pairs


def expected_go(text: str) -> set[Pair]:
    pairs = set()
    for cell, version, ids in _rows(text, "| module | version | advisories |"):
        module = cell.replace("(indirect)", "").strip()
        pairs |= {(module, version, i) for i in _ids(ids, "GO")}
    # The replace trap: gogo/protobuf is named in the table only as the wrong answer.
    pairs = {p for p in pairs if p[2] != "GO-2021-0053"}
    assert len(pairs) == 64
    return pairs


def expected_rust(text: str) -> set[Pair]:
    pairs = set()
    for cell, locked, ids in _rows(text, "| package | locked | advisories |"):
        package = cell.replace("(transitive)", "").strip()
        version = locked.split()[0]
        if ids.startswith("—"):  # "— (clean: RUSTSEC-… starts at …)" names non-matches
            continue
        pairs |= {(package, version, i) for i in _ids(ids, "RUSTSEC")}
    assert len(pairs) == 28
    return pairs


def expected_npm(text: str) -> set[tuple[str, str, str, str]]:
    """(lockfile entry path, package, version, advisory): npm pairs are per lockfile entry."""
    pairs = set()
    for entry, pkg_at_version, _direct, ids in _rows(text, "| lockfile entry |"):
        name, _, version = pkg_at_version.rpartition("@")
        for advisory in _ids(ids, "GHSA"):
            pairs.add((entry.strip("`"), name, version, advisory))
    assert len(pairs) == 80
    assert len({p[3] for p in pairs}) == 76
    return pairs


def _scan(app: Path, engine: Engine) -> ScanResult:
    result = scan_path(app, LocalMirror(engine))
    assert not result.errors, result.errors
    return result


def _pairs(result: ScanResult) -> set[Pair]:
    return {
        (f.dependency.name, f.dependency.version or "", f.vulnerability.id) for f in result.findings
    }


@pytest.mark.slow
def test_python_app(shared: Path, osv_engine: Engine) -> None:
    app = shared / "fixtures" / "python-app"
    result = _scan(app, osv_engine)
    assert _pairs(result) == expected_python((app / "EXPECTED.md").read_text())
    assert result.total_deps == 30
    assert "PYSEC-2022-43059" not in {f.vulnerability.id for f in result.findings}


@pytest.mark.slow
def test_go_app(shared: Path, osv_engine: Engine) -> None:
    app = shared / "fixtures" / "go-app"
    result = _scan(app, osv_engine)
    found = {(n, v, i) for n, v, i in _pairs(result)}
    expected = expected_go((app / "EXPECTED.md").read_text())
    # Findings carry the version as go.mod writes it after `replace`; the table writes the
    # replaced module as "v1.3.1 → replaced by v1.3.2" and lists no advisory for it.
    assert found == expected
    assert not any(f.dependency.name == "github.com/gogo/protobuf" for f in result.findings)


@pytest.mark.slow
def test_rust_app(shared: Path, osv_engine: Engine) -> None:
    app = shared / "fixtures" / "rust-app"
    result = _scan(app, osv_engine)
    assert _pairs(result) == expected_rust((app / "EXPECTED.md").read_text())
    informational = {
        (f.dependency.name, f.vulnerability.id)
        for f in result.findings
        if f.vulnerability.informational
    }
    assert len(informational) == 6
    assert ("atty", "RUSTSEC-2024-0375") in informational


@pytest.mark.slow
def test_npm_app(shared: Path, osv_engine: Engine) -> None:
    app = shared / "fixtures" / "npm-app"
    result = _scan(app, osv_engine)
    expected = expected_npm((app / "EXPECTED.md").read_text())
    assert _pairs(result) == {(n, v, a) for _, n, v, a in expected}
    # EXPECTED.md counts pairs per lockfile entry; no two flagged entries share a
    # name@version, so one finding per entry means exactly 80 findings.
    assert len(result.findings) == 80
    assert result.total_deps == 291

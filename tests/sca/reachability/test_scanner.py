"""`scan_path` with import analysis wired in, on the go-app fixture and the real Go vulndb
records of ../shared/osv/Go/all.zip: verdicts, evidence and vulnerable-symbol use."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bastion.ecosystems import Ecosystem
from bastion.models import ScanResult
from bastion.sca.repo_config import RepoConfig
from bastion.sca.scanner import NOT_ANALYZED_NOTE, PARTLY_ANALYZED_NOTE, scan_path
from tests.sca.reachability.osv_zip import ZipAdvisories
from tests.support.paths import shared_dir


@pytest.fixture(scope="module")
def go_advisories() -> ZipAdvisories:
    osv = shared_dir() / "osv"
    return ZipAdvisories(
        (osv / "Go" / "all.zip", Ecosystem.GO), (osv / "PyPI" / "all.zip", Ecosystem.PYPI)
    )


@pytest.fixture(scope="module")
def go_app() -> Path:
    return shared_dir() / "fixtures" / "go-app"


@pytest.fixture(scope="module")
def go_scan(go_app: Path, go_advisories: ZipAdvisories) -> ScanResult:
    return scan_path(go_app, go_advisories)


def finding(
    result: ScanResult, package: str, advisory: str
) -> tuple[str, bool | None, tuple[str, ...]]:
    (found,) = [
        f
        for f in result.findings
        if f.dependency.name == package and f.vulnerability.id == advisory
    ]
    assert found.is_imported is (found.reachability == "imported")
    return found.reachability, found.symbol_used, found.evidence


@pytest.mark.parametrize(
    ("package", "advisory", "expected"),
    [
        # Conn.ReadMessage/WriteMessage are called on the upgraded connection.
        (
            "github.com/gorilla/websocket",
            "GO-2020-0019",
            ("imported", True, ("internal/realtime/hub.go:7",)),
        ),
        # yaml.Unmarshal through the aliased import.
        ("gopkg.in/yaml.v2", "GO-2020-0036", ("imported", True, ("config.go:9",))),
        # Get through the dot import.
        ("github.com/tidwall/gjson", "GO-2021-0054", ("imported", True, ("config.go:7",))),
        # gin.Default(); c.Next() on a *gin.Context.
        ("github.com/gin-gonic/gin", "GO-2020-0001", ("imported", True, ("main.go:9",))),
        ("github.com/gin-gonic/gin", "GO-2021-0052", ("imported", True, ("main.go:9",))),
        # Context.FileAttachment is never called.
        ("github.com/gin-gonic/gin", "GO-2023-1737", ("imported", False, ("main.go:9",))),
        # The vulnerable package is promhttp; the code imports only prometheus.
        (
            "github.com/prometheus/client_golang",
            "GO-2022-0322",
            ("imported", False, ("metrics.go:3",)),
        ),
        # x/crypto is imported for sha3 only; the advisory is about ssh.
        ("golang.org/x/crypto", "GO-2021-0227", ("imported", False, ("main.go:10",))),
        # The advisory names packages but no symbols: unknown.
        ("golang.org/x/crypto", "GO-2026-5932", ("imported", None, ("main.go:10",))),
        ("golang.org/x/text", "GO-2021-0113", ("imported", True, ("config.go:8",))),
        ("golang.org/x/text", "GO-2022-1059", ("imported", False, ("config.go:8",))),
        ("github.com/dgrijalva/jwt-go", "GO-2020-0017", ("imported", False, ("main.go:8",))),
        # Not imported at all: the trap in config.go's comment, an indirect module.
        ("github.com/ulikunitz/xz", "GO-2020-0016", ("not_imported", False, ())),
        ("github.com/ulikunitz/xz", "GO-2025-3922", ("not_imported", None, ())),
        ("golang.org/x/net", "GO-2022-0288", ("not_imported", False, ())),
    ],
)
def test_go_findings(
    go_scan: ScanResult,
    package: str,
    advisory: str,
    expected: tuple[str, bool | None, tuple[str, ...]],
) -> None:
    """(reachability, symbol_used, evidence) of one finding."""
    assert finding(go_scan, package, advisory) == expected


def test_every_go_finding_is_analysed_and_none_is_lost(go_scan: ScanResult) -> None:
    assert len(go_scan.findings) == 64
    assert all(f.reachability != "not_analyzed" for f in go_scan.findings)
    assert NOT_ANALYZED_NOTE not in go_scan.notes
    imported = {f.dependency.name for f in go_scan.findings if f.is_imported}
    assert "golang.org/x/net" not in imported
    assert "github.com/labstack/echo/v4" not in imported


def test_disabled_by_config(go_app: Path, go_advisories: ZipAdvisories) -> None:
    result = scan_path(go_app, go_advisories, config=RepoConfig(reachability_enabled=False))
    assert all(f.reachability == "not_analyzed" and f.is_imported for f in result.findings)
    assert NOT_ANALYZED_NOTE in result.notes


def test_single_lockfile_is_not_analysed(go_app: Path, go_advisories: ZipAdvisories) -> None:
    result = scan_path(go_app / "go.mod", go_advisories)
    assert result.findings
    assert all(f.reachability == "not_analyzed" for f in result.findings)
    assert NOT_ANALYZED_NOTE in result.notes


def test_ecosystem_without_source_keeps_the_note(
    go_app: Path, go_advisories: ZipAdvisories
) -> None:
    # A module whose Go files are all excluded: Go is not analysed, the note stays.
    result = scan_path(go_app, go_advisories, exclude=["*.go", "internal/"])
    assert all(f.reachability == "not_analyzed" for f in result.findings)
    assert NOT_ANALYZED_NOTE in result.notes
    assert PARTLY_ANALYZED_NOTE.split("(")[0] not in " ".join(result.notes)


def test_partly_analysed_names_the_ecosystems_left_out(
    tmp_path: Path, go_app: Path, go_advisories: ZipAdvisories
) -> None:
    shutil.copytree(go_app, tmp_path / "app")
    (tmp_path / "app" / "requirements.txt").write_text("PyYAML==5.1\n")  # no Python source
    result = scan_path(tmp_path / "app", go_advisories)
    by_ecosystem = {f.dependency.ecosystem: f.reachability for f in result.findings}
    assert by_ecosystem[Ecosystem.PYPI] == "not_analyzed"
    assert by_ecosystem[Ecosystem.GO] != "not_analyzed"
    assert PARTLY_ANALYZED_NOTE.format(ecosystems="PyPI") in result.notes
    assert NOT_ANALYZED_NOTE not in result.notes

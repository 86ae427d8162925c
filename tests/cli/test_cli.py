"""The real `bastion` command in a subprocess: exit codes, output, and error handling."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.osv_bucket import OsvBucket
from tests.support.paths import shared_dir


def bastion(
    *args: str, data_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "BASTION_DATA_DIR": str(data_dir), **(env or {})}
    full_env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bastion", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def loaded_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli-data")
    for eco in ("npm", "crates.io"):
        done = bastion(
            "advisories", "import", str(shared_dir() / "osv" / eco / "all.zip"), data_dir=data_dir
        )
        assert done.returncode == 0, done.stderr
    return data_dir


def test_scan_with_an_empty_store_lists_dependencies_and_says_how_to_load(tmp_path: Path) -> None:
    app = shared_dir() / "fixtures" / "rust-app"
    done = bastion("scan", str(app), "--format", "json", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["findings"] == []
    assert result["total_deps"] == 15
    assert len(result["dependencies"]) == 15
    assert any("bastion advisories import" in note for note in result["notes"])
    # Nothing was checked, so no clean bill of health: neutral (exit 0), not success.
    assert result["conclusion"] == "neutral"
    assert done.returncode == 0

    table = bastion("scan", str(app), data_dir=tmp_path)
    assert "No advisories are loaded" in table.stdout


def test_scan_blocks_with_exit_1_and_json_carries_spec_fields(loaded_data_dir: Path) -> None:
    done = bastion(
        "scan", str(shared_dir() / "fixtures" / "rust-app"), "-f", "json", data_dir=loaded_data_dir
    )
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert result["conclusion"] == "failure"
    finding = result["findings"][0]
    assert set(finding) >= {"dependency", "vulnerability", "is_imported"}
    assert set(finding["vulnerability"]) >= {
        "id",
        "aliases",
        "summary",
        "details",
        "severity",
        "fixed_version",
        "affected_ranges",
        "url",
    }
    assert set(finding["dependency"]) >= {"name", "version", "ecosystem", "direct", "source"}
    assert set(result) >= {
        "findings",
        "total_deps",
        "ecosystems",
        "scanned_at",
        "duration",
        "errors",
        "dependencies",
    }
    assert result["ecosystems"] == ["crates.io"]
    h2 = [f for f in result["findings"] if f["dependency"]["name"] == "h2"]
    assert {f["vulnerability"]["id"] for f in h2} == {
        "RUSTSEC-2023-0034",
        "RUSTSEC-2024-0003",
        "RUSTSEC-2024-0332",
        "RUSTSEC-2026-0258",
    }
    assert all(f["dependency"]["direct"] is False for f in h2)


def test_table_fits_80_columns(loaded_data_dir: Path) -> None:
    done = bastion("scan", str(shared_dir() / "fixtures" / "npm-app"), data_dir=loaded_data_dir)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) > 80
    assert max(len(line) for line in lines) <= 80
    assert "GHSA-35jh-r3h4-6jhm" in done.stdout


def test_block_on_policy(loaded_data_dir: Path) -> None:
    app = str(shared_dir() / "fixtures" / "rust-app")
    critical = bastion(
        "scan", app, "--block-on", "critical_only", "-f", "json", data_dir=loaded_data_dir
    )
    result = json.loads(critical.stdout)
    has_critical = any(
        f["vulnerability"]["severity"] == "CRITICAL" and not f["vulnerability"]["informational"]
        for f in result["findings"]
    )
    assert critical.returncode == (1 if has_critical else 0)
    bad = bastion("scan", app, "--block-on", "sometimes", data_dir=loaded_data_dir)
    assert bad.returncode == 2
    assert "--block-on must be one of" in bad.stderr


def test_usage_and_input_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    missing = bastion("scan", str(tmp_path / "nope"), data_dir=tmp_path)
    assert missing.returncode == 2
    assert "no such file or directory" in missing.stderr
    broken = tmp_path / "Cargo.lock"
    broken.write_text("[[package]]\nname = \n")
    done = bastion("scan", str(broken), data_dir=tmp_path)
    assert done.returncode == 2
    assert "Cargo.lock" in done.stderr
    assert "Traceback" not in done.stderr
    bad_format = bastion("scan", str(tmp_path), "--format", "pdf", data_dir=tmp_path)
    assert bad_format.returncode == 2


def test_broken_lockfile_in_a_directory_is_reported_and_the_rest_scanned(
    loaded_data_dir: Path, tmp_path: Path
) -> None:
    shutil.copy(shared_dir() / "fixtures" / "rust-app" / "Cargo.lock", tmp_path / "Cargo.lock")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {')
    done = bastion("scan", str(tmp_path), "-f", "json", data_dir=loaded_data_dir)
    result = json.loads(done.stdout)
    assert result["total_deps"] == 15
    assert [e["source"] for e in result["errors"]] == ["web/package-lock.json"]
    assert done.returncode == 1


def test_sbom_is_cyclonedx_with_purls(tmp_path: Path) -> None:
    done = bastion("sbom", str(shared_dir() / "fixtures" / "go-app"), data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    bom = json.loads(done.stdout)
    assert bom["bomFormat"] == "CycloneDX"
    assert bom["specVersion"] == "1.6"
    purls = {c["purl"] for c in bom["components"]}
    assert "pkg:golang/github.com/gin-gonic/gin@v1.5.0" in purls
    # 16 modules plus the standard library, versionless ("go 1.20" is no toolchain).
    assert len(bom["components"]) == 17
    assert "pkg:golang/stdlib" in purls


def test_advisories_import_stats_and_bad_input(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.json").write_text("{}")
    shutil.copy(shared_dir() / "osv" / "RubyGems" / "all.zip", tmp_path / "in" / "all.zip")
    done = bastion("advisories", "import", str(tmp_path / "in"), data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Imported 5 new or updated records" in done.stderr
    assert "bad.json" in done.stderr
    stats = bastion("advisories", "stats", data_dir=tmp_path)
    assert stats.returncode == 0
    assert "RubyGems" in stats.stdout
    missing = bastion("advisories", "import", str(tmp_path / "nope"), data_dir=tmp_path)
    assert missing.returncode == 2


def test_advisories_sync_over_http(tmp_path: Path, osv_bucket: OsvBucket) -> None:
    done = bastion(
        "advisories", "sync", "-e", "npm", "--base-url", osv_bucket.url, data_dir=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "npm (full download)" in done.stderr
    again = bastion("advisories", "sync", "--base-url", osv_bucket.url, data_dir=tmp_path)
    assert "npm (0 changed)" in again.stderr
    osv_bucket.failures["/npm/modified_id.csv"] = 500
    failed = bastion("advisories", "sync", "--base-url", osv_bucket.url, data_dir=tmp_path)
    assert failed.returncode == 1
    assert "the advisory mirror is unchanged" in failed.stderr


def test_version_and_help(tmp_path: Path) -> None:
    assert bastion("--version", data_dir=tmp_path).stdout.startswith("bastion ")
    assert "scan" in bastion("--help", data_dir=tmp_path).stdout


def test_broken_yaml_lockfile_is_one_clean_error(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "pnpm-lock.yaml").write_text(
        'lockfileVersion: "9.0"\npackages:\n  "a@1": [\n'
    )
    done = bastion("scan", str(tmp_path / "app"), "-f", "json", data_dir=tmp_path)
    result = json.loads(done.stdout)
    assert result["errors"] == [
        {"source": "pnpm-lock.yaml", "line": 4, "message": "invalid YAML: missing terminating ]"}
    ]
    # The YAML parser's own C++ diagnostics must not leak next to bastion's message.
    assert done.stderr == ""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bastion.advisories.store import LocalMirror
from bastion.ecosystems import Ecosystem
from bastion.models import Conclusion, Severity
from bastion.sca.repo_config import IgnoreRule, RepoConfig, load_repo_config, parse_repo_config
from bastion.sca.scanner import scan_path
from bastion.sca.verdict import BlockOn
from tests.support.paths import shared_dir


def test_full_valid_config() -> None:
    config = parse_repo_config(
        {
            "scan": {
                "mode": "diff",
                "ecosystems": ["npm", "pypi"],
                "exclude_paths": ["examples/**"],
            },
            "vulnerability": {
                "enabled": True,
                "severity_threshold": "high",
                "block_on": "all",
                "ignore_ids": [
                    "GHSA-xxxx",
                    {"id": "CVE-2020-1", "reason": "not used", "expires": "2030-01-01"},
                ],
            },
            "reachability": {"enabled": False},
            "license": {"policy": "permissive"},
        },
        ".bastion.yml",
    )
    assert config.warnings == ()
    assert config.mode == "diff"
    assert config.ecosystems == frozenset({Ecosystem.NPM, Ecosystem.PYPI})
    assert config.exclude_paths == ("examples/**",)
    assert config.severity_threshold is Severity.HIGH
    assert config.block_on is BlockOn.ALL
    assert config.ignore_ids == (
        IgnoreRule("GHSA-xxxx"),
        IgnoreRule("CVE-2020-1", "not used", date(2030, 1, 1)),
    )
    assert config.reachability_enabled is False


@pytest.mark.parametrize(
    ("document", "field", "default", "warning"),
    [
        ({"scan": {"mode": "sometimes"}}, "mode", "full", "scan.mode: must be one of full, diff"),
        (
            {"scan": {"ecosystems": ["npm", "cobol"]}},
            "ecosystems",
            None,
            "unknown ecosystem(s) cobol",
        ),
        (
            {"vulnerability": {"block_on": "never"}},
            "block_on",
            BlockOn.IMPORTED,
            "vulnerability.block_on",
        ),
        (
            {"vulnerability": {"severity_threshold": 7}},
            "severity_threshold",
            Severity.UNKNOWN,
            "severity_threshold",
        ),
        (
            {"vulnerability": {"enabled": "yes"}},
            "vulnerability_enabled",
            True,
            "must be true or false",
        ),
        (
            {"vulnerability": "all"},
            "block_on",
            BlockOn.IMPORTED,
            "'vulnerability' must be a mapping",
        ),
        ({"scan": {"exclude_paths": [1, 2]}}, "exclude_paths", (), "must be a list of strings"),
        ({"colour": "blue"}, "mode", "full", "unknown key 'colour'"),
    ],
)
def test_invalid_values_fall_back_with_a_warning(
    document: dict[str, object], field: str, default: object, warning: str
) -> None:
    config = parse_repo_config(document, ".bastion.yml")
    assert getattr(config, field) == default
    assert any(warning in w for w in config.warnings), config.warnings


def test_broken_yaml_is_a_warning_not_an_error(tmp_path: Path) -> None:
    (tmp_path / ".bastion.yml").write_text("scan: [unclosed\n")
    config = load_repo_config(tmp_path)
    assert config == RepoConfig(source=".bastion.yml", warnings=config.warnings)
    assert "not valid YAML" in config.warnings[0]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # libyaml recursed once per level and crashed the process on this one.
        ("scan: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested more than 256 levels"),
        ("scan: {}\n---\nscan: {}\n", "expected one document, found 2"),
        ("scan: [\n", "at line 2"),
        ("scan: !!python/object:os.system {}\n", "!!python/object:os.system"),
    ],
)
def test_unreadable_yaml_is_a_warning(tmp_path: Path, text: str, reason: str) -> None:
    (tmp_path / ".bastion.yml").write_text(text)
    config = load_repo_config(tmp_path)
    assert config == RepoConfig(source=".bastion.yml", warnings=config.warnings)
    assert "not valid YAML" in config.warnings[0]
    assert reason in config.warnings[0]


def test_huge_numbers_are_read_as_text(tmp_path: Path) -> None:
    (tmp_path / ".bastion.yml").write_text(f"vulnerability:\n  ignore_ids: [{'9' * 5000}]\n")
    assert [rule.id for rule in load_repo_config(tmp_path).ignore_ids] == ["9" * 5000]


def test_dpendx_file_is_accepted(tmp_path: Path) -> None:
    (tmp_path / ".dpendx.yml").write_text("vulnerability:\n  block_on: critical_only\n")
    assert load_repo_config(tmp_path).block_on is BlockOn.CRITICAL_ONLY


def test_scan_applies_the_repository_policy(tmp_path: Path, osv_engine: Engine) -> None:
    app = tmp_path / "app"
    shutil.copytree(shared_dir() / "fixtures" / "rust-app", app)
    shutil.copytree(shared_dir() / "fixtures" / "python-app", app / "py")
    mirror = LocalMirror(osv_engine)
    baseline = scan_path(app, mirror)
    assert {"PyPI", "crates.io"} == set(baseline.ecosystems)

    (app / ".bastion.yml").write_text(
        "scan:\n  ecosystems: [crates.io]\n"
        "vulnerability:\n  severity_threshold: high\n"
        "  ignore_ids: [RUSTSEC-2021-0079, CVE-2021-25900]\n"
        "  block_on: critical_only\n"
        "bogus: 1\n"
    )
    result = scan_path(app, mirror)

    assert result.ecosystems == ("crates.io",)
    # Left: critical crossbeam-deque and high regex. Ignored: hyper's RUSTSEC-2021-0079 by
    # id and smallvec's RUSTSEC-2021-0003 through its alias CVE-2021-25900. The other 24
    # are medium or unknown, below the threshold.
    assert {f.vulnerability.id for f in result.findings} == {
        "RUSTSEC-2021-0093",
        "RUSTSEC-2022-0013",
    }
    assert "1 finding(s) of RUSTSEC-2021-0079 ignored." in result.notes
    assert "1 finding(s) of CVE-2021-25900 ignored." in result.notes
    assert "24 finding(s) below the high threshold hidden." in result.notes
    assert result.warnings == (".bastion.yml: unknown key 'bogus' ignored",)
    assert result.conclusion is Conclusion.FAILURE  # critical_only, and crossbeam is critical

    (app / ".bastion.yml").write_text(
        "vulnerability:\n  block_on: critical_only\n"
        "  ignore_ids: [RUSTSEC-2021-0093, RUSTSEC-2021-0079, RUSTSEC-2021-0003]\n"
    )
    assert scan_path(app, mirror).conclusion is Conclusion.NEUTRAL


def test_exclude_paths_skip_files(tmp_path: Path, osv_engine: Engine) -> None:
    shutil.copytree(shared_dir() / "fixtures" / "rust-app", tmp_path / "a")
    shutil.copytree(shared_dir() / "fixtures" / "go-app", tmp_path / "examples" / "go")
    (tmp_path / ".bastion.yml").write_text("scan:\n  exclude_paths: ['examples/**']\n")
    result = scan_path(tmp_path, LocalMirror(osv_engine))
    assert {d.source for d in result.dependencies} == {"a/Cargo.lock"}


def test_ignores_carry_reasons_expire_and_warn_when_unused(
    tmp_path: Path, osv_engine: Engine
) -> None:
    shutil.copytree(shared_dir() / "fixtures" / "rust-app", tmp_path / "app")
    (tmp_path / "app" / ".bastion.yml").write_text(
        "vulnerability:\n"
        "  ignore_ids:\n"
        "    - id: RUSTSEC-2022-0013\n"
        "      reason: regex input is trusted\n"
        "      expires: 2999-01-01\n"
        "    - id: RUSTSEC-2021-0003\n"
        "      reason: was fine until then\n"
        "      expires: '2020-01-01'\n"
        "    - GHSA-none-none-none\n"
        "    - id: RUSTSEC-2020-0071\n"
        "      expires: soon\n"
    )
    result = scan_path(tmp_path / "app", LocalMirror(osv_engine))
    ids = {f.vulnerability.id for f in result.findings}
    assert "RUSTSEC-2022-0013" not in ids
    assert "RUSTSEC-2021-0003" in ids  # expired: reported again
    assert (
        "1 finding(s) of RUSTSEC-2022-0013 ignored (until 2999-01-01): regex input is trusted."
        in result.notes
    )
    assert (
        "ignore for RUSTSEC-2021-0003 expired on 2020-01-01: its findings are reported again"
        in result.warnings
    )
    assert (
        "ignore for GHSA-none-none-none matched no finding; remove it if it is obsolete"
        in result.warnings
    )
    # An unreadable expiry skips that entry alone, with a warning, never a crash.
    assert any("expiry of RUSTSEC-2020-0071" in w for w in result.warnings)
    assert "RUSTSEC-2020-0071" in ids

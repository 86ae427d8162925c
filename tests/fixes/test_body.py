"""The pull request's title, body and commit message."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from bastion.ecosystems import Ecosystem
from bastion.fixes import body
from bastion.fixes.body import ManifestOutcome
from bastion.fixes.editors.base import Change, EditResult, Skip
from bastion.fixes.plan import FixPlan, plan_fixes
from bastion.models import Finding
from tests.reports import factories

SHA = "0123456789abcdef0123456789abcdef01234567"


def outcome_for(
    findings: list[Finding], changes: tuple[Change, ...], skipped: tuple[Skip, ...] = ()
) -> tuple[FixPlan, list[ManifestOutcome]]:
    plan = plan_fixes(findings)
    outcomes = [ManifestOutcome(m, EditResult(b"", changes, skipped)) for m in plan.manifests]
    return plan, outcomes


def test_titles() -> None:
    assert body.title(1) == "bastion: fix 1 vulnerable dependency"
    assert body.title(3) == "bastion: fix 3 vulnerable dependencies"


def test_names_from_the_repository_cannot_break_the_markdown() -> None:
    evil = "x|y`<img src=x onerror=alert(1)>@team"
    dep = factories.dependency(evil, "1.0.0", source="package-lock.json")
    plan, outcomes = outcome_for(
        [factories.finding(dep, factories.vulnerability("GHSA-1", fixed_version="1.0.1"))],
        (Change(evil, "1.0.0", "1.0.1"),),
    )
    text = body.body(plan, outcomes, scan_id="s", sha=SHA)
    row = next(line for line in text.splitlines() if line.startswith("| x"))
    assert row.count(" | ") == 3  # four cells, no pipe from the name
    assert re.search(r"(?<!\\)<img", text) is None  # escaped: shown, never rendered
    assert "\\@team" in text  # no mention of a GitHub team


def test_lockfile_commands_per_directory_and_tool() -> None:
    crates = [
        factories.dependency(name, "1.0.0", Ecosystem.CRATES_IO, source="svc/Cargo.lock")
        for name in ("hyper", "time")
    ]
    gin = factories.dependency("github.com/gin-gonic/gin", "v1.5.0", Ecosystem.GO, source="go.mod")
    findings = [
        *(
            factories.finding(d, factories.vulnerability("RUSTSEC-1", fixed_version="1.0.1"))
            for d in crates
        ),
        factories.finding(gin, factories.vulnerability("GO-1", fixed_version="1.9.1")),
    ]
    plan = plan_fixes(findings)
    outcomes = []
    for manifest in plan.manifests:
        changes = tuple(Change(b.package, "1.0.0", "1.0.1") for b in manifest.bumps)
        outcomes.append(ManifestOutcome(manifest, EditResult(b"", changes, ())))
    text = body.body(plan, outcomes, scan_id="s", sha=SHA)
    assert "- in `.`: `go mod tidy`" in text
    assert "- in `svc`: `cargo update -p hyper -p time`" in text
    assert body.fixes_count(outcomes) == 3


def test_what_was_not_changed_comes_with_the_report_s_advice() -> None:
    urllib3 = factories.dependency(
        "urllib3", "1.24.1", Ecosystem.PYPI, source="poetry.lock", direct=False
    )
    plan, outcomes = outcome_for(
        [factories.finding(urllib3, factories.vulnerability("PYSEC-1", fixed_version="1.26.5"))],
        (),
        (Skip("urllib3", "not declared in pyproject.toml"),),
    )
    text = body.body(plan, outcomes, scan_id="s", sha=SHA)
    assert "### Not changed" in text
    assert "not declared in pyproject.toml · `poetry add 'urllib3@>=1.26.5'`" in text
    assert "### Lockfiles" not in text


def test_a_huge_body_stays_under_github_s_limit() -> None:
    findings = [
        factories.finding(
            factories.dependency(f"package-{i}-{'x' * 40}", "1.0.0", source="package-lock.json"),
            factories.vulnerability(f"GHSA-{i}", fixed_version="1.0.1"),
        )
        for i in range(2000)
    ]
    plan = plan_fixes(findings)
    changes = tuple(Change(b.package, "1.0.0", "1.0.1") for b in plan.manifests[0].bumps)
    outcomes = [ManifestOutcome(plan.manifests[0], EditResult(b"", changes, ()))]
    text = body.body(plan, outcomes, scan_id="s", sha=SHA)
    assert len(text) < 65_536
    assert "more" in text
    assert body.commit_message(2000, outcomes).startswith(
        "bastion: fix 2000 vulnerable dependencies\n\n- "
    )
    assert PurePosixPath("package.json") == plan.manifests[0].path

"""The title, body and commit message of a fix pull request.

The body lists every change (package, file, from → to, advisories), the commands that
bring the lockfiles in line, and what was not changed and why, with the step the scan
report recommends (:mod:`bastion.reports.remediation`). Package names and versions come
from the scanned repository, so everything is escaped for Markdown.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from bastion.ecosystems import Ecosystem, normalize_package_name
from bastion.fixes.editors.base import Bump, Change, EditResult
from bastion.fixes.plan import FixPlan, ManifestPlan

# GitHub refuses pull request bodies over 65,536 characters; leave room for the tail.
MAX_BODY = 60_000
MAX_ADVISORIES = 6
# Lockfiles whose package manager regenerates them from the edited manifest.
_REFRESH = {
    "package-lock.json": "npm install",
    "npm-shrinkwrap.json": "npm install",
    "yarn.lock": "yarn install",
    "pnpm-lock.yaml": "pnpm install",
    "bun.lock": "bun install",
    "bun.lockb": "bun install",
    "poetry.lock": "poetry lock",
    "uv.lock": "uv lock",
    "pdm.lock": "pdm lock",
}
# Lockfiles refreshed package by package: the command, then the changed packages.
_UPDATE_PACKAGES = {"Cargo.lock": ("cargo update", "-p "), "composer.lock": ("composer update", "")}


@dataclass(frozen=True, slots=True)
class ManifestOutcome:
    """One manifest of the plan: what editing it gave, or why it could not be edited."""

    plan: ManifestPlan
    result: EditResult | None = None
    problem: str | None = None
    # The file's git mode, kept when the edited file is written back.
    mode: str = "100644"

    @property
    def changes(self) -> tuple[Change, ...]:
        return self.result.changes if self.result is not None else ()


def fixes_count(outcomes: Sequence[ManifestOutcome]) -> int:
    """Distinct packages the pull request raises, whatever the number of files."""
    return len(
        {
            (
                o.plan.bumps[0].ecosystem,
                normalize_package_name(o.plan.bumps[0].ecosystem, c.package),
            )
            for o in outcomes
            for c in o.changes
        }
    )


def title(count: int) -> str:
    noun = "dependency" if count == 1 else "dependencies"
    return f"bastion: fix {count} vulnerable {noun}"


def commit_message(count: int, outcomes: Sequence[ManifestOutcome]) -> str:
    lines = [title(count), ""]
    for outcome in outcomes:
        for change in outcome.changes:
            lines.append(f"- {change.package}: {_describe(change)} ({outcome.plan.path})")
    return "\n".join(lines) + "\n"


def body(plan: FixPlan, outcomes: Sequence[ManifestOutcome], *, scan_id: str, sha: str) -> str:
    count = fixes_count(outcomes)
    noun = "dependency" if count == 1 else "dependencies"
    lines = [
        f"bastion raises {count} vulnerable {noun} to releases that fix their known "
        f"advisories, in the manifests of {sha[:12]} (scan `{scan_id}`).",
        "",
        "| Package | File | Change | Advisories |",
        "|---|---|---|---|",
    ]
    rows = [_row(outcome, change) for outcome in outcomes for change in outcome.changes]
    lines.extend(_within_budget(rows, MAX_BODY // 2))
    lines.extend(_lockfiles(outcomes))
    lines.extend(_not_changed(plan, outcomes))
    text = "\n".join(lines) + "\n"
    return text if len(text) <= MAX_BODY else text[:MAX_BODY] + "\n\n(cut: too long)\n"


def _row(outcome: ManifestOutcome, change: Change) -> str:
    bump = next(
        (b for b in outcome.plan.bumps if b.package == change.package), outcome.plan.bumps[0]
    )
    ids = list(bump.advisories[:MAX_ADVISORIES])
    if len(bump.advisories) > MAX_ADVISORIES:
        ids.append(f"and {len(bump.advisories) - MAX_ADVISORIES} more")
    cells = [
        _escape(change.package),
        _code(str(outcome.plan.path)),
        _describe_markdown(change, _installed(change, bump)),
        _escape(", ".join(ids)),
    ]
    return "| " + " | ".join(cells) + " |"


def _installed(change: Change, bump: Bump) -> str:
    """What a change replaces: the text it overwrote, or for a new override the
    installed versions it moves (``cookie@0.3.1`` moves 0.3.1)."""
    if change.before:
        return change.before
    if change.selector:
        return change.selector.rpartition("@")[2]
    nested = sorted({o.installed for o in bump.occurrences if not o.direct})
    return ", ".join(nested) or "?"


def _describe(change: Change) -> str:
    kind = f" (override {change.selector or change.package})" if change.override else ""
    return f"{change.before or '(new)'} → {change.after}{kind}"


def _describe_markdown(change: Change, before: str) -> str:
    text = f"{_code(before)} → {_code(change.after)}"
    if change.override:
        new = "" if change.before else "new "
        text += f" ({new}override {_code(change.selector or change.package)})"
    return text


def _lockfiles(outcomes: Sequence[ManifestOutcome]) -> list[str]:
    commands: dict[str, None] = {}
    for outcome in outcomes:
        changed = {c.package for c in outcome.changes}
        if not changed:
            continue
        directory = outcome.plan.path.parent
        if outcome.plan.path.name == "go.mod":
            commands[_in(directory, "go mod tidy")] = None
        lockfiles: dict[str, list[str]] = {}
        for bump in outcome.plan.bumps:
            if bump.package not in changed:
                continue
            for occurrence in bump.occurrences:
                source = PurePosixPath(occurrence.source)
                if source != outcome.plan.path and source.parent == directory:
                    lockfiles.setdefault(source.name, []).append(bump.package)
        for name, packages in sorted(lockfiles.items()):
            if name in _REFRESH:
                commands[_in(directory, _REFRESH[name])] = None
            elif name in _UPDATE_PACKAGES:
                command, flag = _UPDATE_PACKAGES[name]
                names = " ".join(flag + shlex.quote(p) for p in dict.fromkeys(packages))
                commands[_in(directory, f"{command} {names}")] = None
    if not commands:
        return []
    return [
        "",
        "### Lockfiles",
        "",
        "bastion edits manifests only: it runs no package manager and reaches no registry, "
        "so it cannot regenerate lockfiles, and the lockfiles on this branch still pin the "
        "old versions. Before merging, run these and commit the result:",
        "",
        *commands,
    ]


def _in(directory: PurePosixPath, command: str) -> str:
    return f"- in {_code(str(directory))}: {_code(command)}"


def _not_changed(plan: FixPlan, outcomes: Sequence[ManifestOutcome]) -> list[str]:
    items: list[str] = []
    for outcome in outcomes:
        path = outcome.plan.path
        if outcome.problem is not None:
            for bump in outcome.plan.bumps:
                items.append(_item(plan, bump.ecosystem, bump.package, path, outcome.problem))
        for skip in outcome.result.skipped if outcome.result is not None else ():
            ecosystem = outcome.plan.bumps[0].ecosystem
            items.append(_item(plan, ecosystem, skip.package, path, skip.reason))
    for action, dependency in plan.unplaced:
        where = PurePosixPath(dependency.source)
        reason = "bastion cannot edit this file"
        items.append(_item(plan, action.ecosystem, action.package, where, reason))
    items = list(dict.fromkeys(items))
    if not items:
        return []
    return ["", "### Not changed", "", *_within_budget(items, MAX_BODY // 4)]


def _item(plan: FixPlan, ecosystem: Ecosystem, package: str, path: PurePosixPath, why: str) -> str:
    text = f"- **{_escape(package)}** in {_code(str(path))}: {_escape(why)}"
    action = plan.action_for(ecosystem, package)
    if action is not None:
        text += " · " + (_code(action.command) if action.command else _escape(action.step))
    return text


def _within_budget(lines: list[str], budget: int) -> list[str]:
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        used += len(line) + 1
        if used > budget:
            kept.append(f"- … and {len(lines) - index} more")
            break
        kept.append(line)
    return kept


def _code(text: str) -> str:
    """An inline code span that survives backticks in the text (names come from repos)."""
    text = " ".join(text.split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _escape(text: str) -> str:
    """Keep table cells and list items intact whatever a package name contains."""
    for char in ("\\", "|", "*", "_", "`", "[", "]", "<", ">", "#", "@"):
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())

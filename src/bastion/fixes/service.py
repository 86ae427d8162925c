"""``POST /api/fix``: from a finished scan to an open pull request.

In this order, so that cheap refusals come first and GitHub is only asked when needed:

1. the report: it must exist for this installation (404 ``scan_not_found``), be
   finished (409 ``scan_not_finished``) and have findings with a fixed release that an
   editor can reach (422 ``nothing_to_fix``): all from the database;
2. the rate limit: 10 fix requests per installation and hour (429 ``rate_limited``),
   before any GitHub call;
3. the App's permissions on the installation (403 ``no_write_access``);
4. the manifests at the scanned commit, edited (422 ``nothing_to_fix`` when no edit
   was possible after all);
5. the base branch (the scanned ref when it is a branch, else the default branch), then
   blobs, tree, commit, branch ``bastion/fix-<sha7>-<n>`` (the first free ``n``) and
   the pull request.

Nothing is written to GitHub before step 5, and nothing in step 5 but the branch is
visible, so a failure leaves at most a branch without a pull request; a retry then
opens its pull request from the next free branch name.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import Engine

from bastion.db.models.scans import ACTIVE_SCAN_STATUSES, ScanStatus
from bastion.db.session import read_session
from bastion.fixes import body as pr_body
from bastion.fixes.body import ManifestOutcome
from bastion.fixes.editors.base import EditError
from bastion.fixes.editors.registry import editor_for
from bastion.fixes.errors import NothingToFix, ScannedCommitGone, ScanNotFinished
from bastion.fixes.plan import FixPlan, ManifestPlan, plan_fixes
from bastion.fixes.repository import get_report, stored_findings
from bastion.fixes.schemas import FixSucceeded, PullRequestOut
from bastion.github.errors import RepoNotFound
from bastion.github.pulls import (
    CommitFiles,
    PullRequest,
    PullRequestRejected,
    PullRequests,
    Where,
)
from bastion.jobs.ratelimit import FIX_REQUESTS, RateLimit, RateLimiter, installation_key
from bastion.models import Finding
from bastion.scans.errors import RateLimited, ScanNotFound

log = logging.getLogger(__name__)

BRANCH_PREFIX = "bastion/fix-"
# Branch names tried per commit before giving up; 10 requests an hour never get there.
MAX_BRANCHES = 100
_SHA = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")


@dataclass(frozen=True, slots=True)
class _Scan:
    scan_id: uuid.UUID
    where: Where
    ref: str
    sha: str
    findings: list[Finding]


class FixService:
    def __init__(
        self,
        engine: Engine,
        pulls: PullRequests,
        *,
        limiter: RateLimiter,
        fix_limit: RateLimit = FIX_REQUESTS,
    ) -> None:
        self.engine = engine
        self.pulls = pulls
        self.limiter = limiter
        self.fix_limit = fix_limit

    def open_pull_request(self, installation_id: int, scan_id: uuid.UUID) -> FixSucceeded:
        scan = self._load(installation_id, scan_id)
        plan = plan_fixes(scan.findings)
        if not plan.actions:
            raise NothingToFix()
        if not plan.manifests:
            raise NothingToFix(
                "No manifest bastion can edit declares the vulnerable packages "
                "(supported: package.json, requirements files, pyproject.toml, go.mod, "
                "Cargo.toml, composer.json)"
            )
        self._admit(installation_id)
        try:
            self.pulls.check_write_access(installation_id)
            files = self.pulls.files(scan.where, scan.sha)
            outcomes = [self._edit(files, manifest) for manifest in plan.manifests]
            changed = [o for o in outcomes if o.result is not None and o.result.changed]
            if not changed:
                raise NothingToFix(_why_nothing_changed(outcomes))
            base = self._base_branch(scan.where, scan.ref)
            count = pr_body.fixes_count(outcomes)
            pull = self._open(scan, files, plan, outcomes, base=base, count=count)
        except RepoNotFound as exc:
            raise ScannedCommitGone(detail=exc.detail) from exc
        log.info(
            "fix.opened",
            extra={
                "scan_id": str(scan_id),
                "repo": f"{scan.where.owner}/{scan.where.repo}",
                "installation_id": installation_id,
                "pull_request": pull.number,
                "fixes": count,
            },
        )
        return FixSucceeded(
            pull_request=PullRequestOut(
                number=pull.number, url=pull.url, title=pull.title, fixes_count=count
            )
        )

    def _load(self, installation_id: int, scan_id: uuid.UUID) -> _Scan:
        with read_session(self.engine) as session:
            report = get_report(session, scan_id, installation_id)
            if report is None:
                raise ScanNotFound()
            status = ScanStatus(report.status)
            if status in ACTIVE_SCAN_STATUSES:
                raise ScanNotFinished()
            if status is not ScanStatus.DONE:
                raise NothingToFix("The scan did not complete, so it found nothing to fix")
            where = Where(installation_id, report.owner, report.repo)
            return _Scan(scan_id, where, report.ref, report.head_sha, stored_findings(report))

    def _admit(self, installation_id: int) -> None:
        decision = self.limiter.hit(installation_key("fix", installation_id), self.fix_limit)
        if not decision.allowed:
            raise RateLimited(decision.retry_after)

    def _edit(self, files: CommitFiles, manifest: ManifestPlan) -> ManifestOutcome:
        found = files.read(str(manifest.path))
        if found is None:
            return ManifestOutcome(manifest, problem=f"{manifest.path} is not in the commit")
        try:
            result = editor_for(manifest.format).edit(manifest.path, found.data, manifest.bumps)
        except EditError as exc:
            log.info("fix.edit_refused", extra={"path": str(manifest.path), "reason": str(exc)})
            return ManifestOutcome(manifest, problem=f"could not be edited safely: {exc}")
        return ManifestOutcome(manifest, result=result, mode=found.mode)

    def _base_branch(self, where: Where, ref: str) -> str:
        """The scanned ref when it is a branch (the fix goes where the scan looked),
        else the repository's default branch."""
        branch = ref.removeprefix("refs/heads/")
        is_name = not ref.startswith("refs/") or ref.startswith("refs/heads/")
        looks_like_branch = bool(branch) and is_name and not _SHA.fullmatch(branch)
        if looks_like_branch and self.pulls.branch_sha(where, branch) is not None:
            return branch
        return self.pulls.default_branch(where)

    def _open(
        self,
        scan: _Scan,
        files: CommitFiles,
        plan: FixPlan,
        outcomes: list[ManifestOutcome],
        *,
        base: str,
        count: int,
    ) -> PullRequest:
        where = scan.where
        blobs: dict[str, tuple[str, str]] = {}
        for outcome in outcomes:
            if outcome.result is None or not outcome.result.changed:
                continue
            blob = self.pulls.create_blob(where, outcome.result.data)
            blobs[str(outcome.plan.path)] = (outcome.mode, blob)
        tree = self.pulls.create_tree(where, files.tree_sha, blobs)
        message = pr_body.commit_message(count, outcomes)
        commit = self.pulls.create_commit(where, message, tree, scan.sha)
        branch = self._branch(where, scan.sha, commit)
        return self.pulls.create_pull(
            where,
            title=pr_body.title(count),
            head=branch,
            base=base,
            body=pr_body.body(plan, outcomes, scan_id=str(scan.scan_id), sha=scan.sha),
        )

    def _branch(self, where: Where, sha: str, commit: str) -> str:
        for n in range(1, MAX_BRANCHES + 1):
            name = f"{BRANCH_PREFIX}{sha[:7]}-{n}"
            # An existing branch on our commit is ours: the client retried a creation
            # whose answer was lost.
            if self.pulls.create_branch(where, name, commit) or (
                self.pulls.branch_sha(where, name) == commit
            ):
                return name
        raise PullRequestRejected(
            "Too many fix branches exist for this commit; delete old bastion/fix-* branches",
            detail=f"{where.owner}/{where.repo}@{sha[:7]}",
        )


def _why_nothing_changed(outcomes: list[ManifestOutcome]) -> str:
    reasons = [o.problem for o in outcomes if o.problem is not None]
    for outcome in outcomes:
        if outcome.result is not None:
            reasons.extend(f"{s.package}: {s.reason}" for s in outcome.result.skipped)
    shown = "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")
    return f"No manifest could be changed: {shown}" if shown else NothingToFix.default_message

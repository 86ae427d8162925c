"""Passive rules over every exchange the scan makes, deduplicated by each rule's scope.

The client calls ``observe`` for each completed exchange (crawl, baselines and probes
alike), inside the event loop, so this must be cheap and must never raise: a rule that
fails on one response is noted once and keeps running on the others.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from bastion.dast.checks.base import PassiveRule
from bastion.dast.model import DastFinding, Exchange, ScanStats

logger = logging.getLogger(__name__)

PassiveKey = tuple[str, ...]


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``, lower-cased; the URL itself when unparseable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return f"{parts.scheme}://{parts.netloc}".lower()


def passive_key(rule: PassiveRule, finding: DastFinding) -> PassiveKey:
    if rule.scope == "site":
        return (finding.rule_id, origin(finding.url))
    rule_id, endpoint, parameter = finding.dedup_key
    return (rule_id, endpoint, parameter or "")


class PassiveRunner:
    def __init__(self, rules: Sequence[PassiveRule], stats: ScanStats) -> None:
        self._rules = list(rules)
        self._stats = stats
        self._findings: dict[PassiveKey, DastFinding] = {}
        # Site-wide rules that already reported for an origin need not look again.
        self._done_sites: set[tuple[str, str]] = set()
        self._failed: set[str] = set()

    def __len__(self) -> int:
        return len(self._findings)

    def observe(self, exchange: Exchange) -> None:
        if not self._rules:
            return
        site = origin(exchange.request.url)
        for rule in self._rules:
            if rule.scope == "site" and (rule.rule_id, site) in self._done_sites:
                continue
            try:
                found = rule.check(exchange)
            except Exception as exc:
                self._rule_failed(rule, exchange, exc)
                continue
            for finding in found:
                key = passive_key(rule, finding)
                if key not in self._findings:
                    self._findings[key] = finding
                if rule.scope == "site":
                    self._done_sites.add((rule.rule_id, origin(finding.url)))

    def findings(self) -> list[DastFinding]:
        return list(self._findings.values())

    def _rule_failed(self, rule: PassiveRule, exchange: Exchange, exc: Exception) -> None:
        logger.debug(
            "passive rule %s failed on %s", rule.rule_id, exchange.request.url, exc_info=True
        )
        # One note per rule: the same bug would otherwise repeat for every response.
        if rule.rule_id not in self._failed:
            self._failed.add(rule.rule_id)
            self._stats.notes.append(
                f"rule {rule.rule_id} failed on {exchange.request.method} "
                f"{exchange.request.url}: {exc.__class__.__name__}: {exc}"
            )

"""Every passive rule declares complete metadata and an example finding that renders as
the CLI's JSON would; ids are unique and every rule module is registered."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re

import pytest

import bastion.dast.checks.passive as passive_package
from bastion.dast.checks.base import PassiveRule
from bastion.dast.checks.passive import PASSIVE_RULES
from bastion.dast.checks.registry import all_rules, passive_rules
from bastion.dast.model import Confidence
from bastion.models import Severity

RULE_ID = re.compile(r"^dast\.[a-z]+\.[a-z0-9-]+$")


@pytest.mark.parametrize("rule", PASSIVE_RULES, ids=lambda rule: rule.rule_id)
def test_metadata_is_complete(rule: type[PassiveRule]) -> None:
    assert RULE_ID.match(rule.rule_id)
    assert rule.name
    assert rule.name[0].isupper()
    assert isinstance(rule.cwe, int)
    assert rule.cwe > 0
    assert isinstance(rule.severity, Severity)
    assert rule.severity is not Severity.UNKNOWN
    assert isinstance(rule.confidence, Confidence)
    assert rule.kind == "passive"
    assert rule.scope in ("endpoint", "site")
    assert len(rule.description) > 80
    assert len(rule.remediation) > 40
    assert any(tag.startswith("OWASP_2021_A") for tag in rule.tags)
    assert any(tag.startswith("WSTG-") for tag in rule.tags)
    assert rule.references
    assert all(reference.startswith("https://") for reference in rule.references)
    assert f"cwe.mitre.org/data/definitions/{rule.cwe}.html" in " ".join(rule.references)
    assert not inspect.isabstract(rule)


@pytest.mark.parametrize("rule", PASSIVE_RULES, ids=lambda rule: rule.rule_id)
def test_example_is_a_finding_of_the_rule(rule: type[PassiveRule]) -> None:
    finding = rule.example()
    assert finding.rule_id == rule.rule_id
    assert finding.cwe == rule.cwe
    assert finding.name == rule.name
    assert finding.evidence
    assert finding.url.startswith("https://")
    assert finding.request is not None
    if rule.scope == "site":
        assert finding.parameter is None
    # What `bastion dast --format json` prints for each finding.
    document = {
        "rule_id": finding.rule_id,
        "name": finding.name,
        "cwe": finding.cwe,
        "severity": str(finding.severity),
        "confidence": str(finding.confidence),
        "url": finding.url,
        "method": finding.method,
        "parameter": finding.parameter,
        "evidence": finding.evidence,
    }
    assert json.loads(json.dumps(document)) == document


def test_rule_ids_are_unique_and_registered() -> None:
    ids = [rule.rule_id for rule in PASSIVE_RULES]
    assert len(ids) == len(set(ids))
    registered = all_rules()
    assert all(registered[rule_id] in PASSIVE_RULES for rule_id in ids)
    assert [rule.rule_id for rule in passive_rules(("dast.cors.permissive",))] == [
        "dast.cors.permissive"
    ]


def test_every_rule_module_holds_one_registered_rule() -> None:
    modules = [
        info.name
        for info in pkgutil.iter_modules(passive_package.__path__)
        if not info.name.startswith("_")
    ]
    assert len(modules) == len(PASSIVE_RULES)
    for name in modules:
        module = importlib.import_module(f"{passive_package.__name__}.{name}")
        rules = [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, PassiveRule)
            and value.__module__ == module.__name__
        ]
        assert len(rules) == 1, name
        assert rules[0] in PASSIVE_RULES

"""Every scan rule, by id. Each kind's package lists its classes (``checks/active`` and
``checks/passive``); a contract test checks ids are unique and metadata complete."""

from __future__ import annotations

from bastion.dast.checks.active import ACTIVE_RULES
from bastion.dast.checks.base import ActiveRule, PassiveRule, Rule
from bastion.dast.checks.passive import PASSIVE_RULES


def active_rules(selected: tuple[str, ...] = ()) -> list[ActiveRule]:
    return [cls() for cls in ACTIVE_RULES if not selected or cls.rule_id in selected]


def passive_rules(selected: tuple[str, ...] = ()) -> list[PassiveRule]:
    return [cls() for cls in PASSIVE_RULES if not selected or cls.rule_id in selected]


def all_rules() -> dict[str, type[Rule]]:
    rules: dict[str, type[Rule]] = {}
    for cls in (*ACTIVE_RULES, *PASSIVE_RULES):
        rules[cls.rule_id] = cls
    return rules

"""Passive rules: one module per rule; list each class here."""

from __future__ import annotations

from bastion.dast.checks.base import PassiveRule

PASSIVE_RULES: tuple[type[PassiveRule], ...] = ()

"""Passive rules: one module per rule; list each class here."""

from __future__ import annotations

from bastion.dast.checks.base import PassiveRule
from bastion.dast.checks.passive.cookie_httponly import CookieWithoutHttpOnlyRule
from bastion.dast.checks.passive.cookie_samesite import CookieWithoutSameSiteRule
from bastion.dast.checks.passive.cookie_secure import CookieWithoutSecureRule
from bastion.dast.checks.passive.cors_permissive import PermissiveCorsRule
from bastion.dast.checks.passive.csp_missing import MissingCspRule
from bastion.dast.checks.passive.csp_weak import WeakCspRule
from bastion.dast.checks.passive.directory_listing import DirectoryListingRule
from bastion.dast.checks.passive.exposed_files import ExposedFileRule
from bastion.dast.checks.passive.frame_missing import MissingFrameProtectionRule
from bastion.dast.checks.passive.hsts_missing import MissingHstsRule
from bastion.dast.checks.passive.referrer_policy_missing import MissingReferrerPolicyRule
from bastion.dast.checks.passive.stack_trace import StackTraceRule
from bastion.dast.checks.passive.version_headers import VersionDisclosureRule
from bastion.dast.checks.passive.xcto_missing import MissingXctoRule

PASSIVE_RULES: tuple[type[PassiveRule], ...] = (
    MissingCspRule,
    WeakCspRule,
    MissingHstsRule,
    MissingXctoRule,
    MissingFrameProtectionRule,
    MissingReferrerPolicyRule,
    CookieWithoutSecureRule,
    CookieWithoutHttpOnlyRule,
    CookieWithoutSameSiteRule,
    VersionDisclosureRule,
    StackTraceRule,
    DirectoryListingRule,
    PermissiveCorsRule,
    ExposedFileRule,
)

"""Active rules: one module per rule; list each class here."""

from __future__ import annotations

from bastion.dast.checks.active.cmdi import CommandInjection
from bastion.dast.checks.active.code_injection import CodeInjection
from bastion.dast.checks.active.crlf import CrlfInjection
from bastion.dast.checks.active.deserialization import InsecureDeserialization
from bastion.dast.checks.active.ldapi import LdapInjection
from bastion.dast.checks.active.open_redirect import OpenRedirect
from bastion.dast.checks.active.path_traversal import PathTraversal
from bastion.dast.checks.active.sqli import SqlInjection
from bastion.dast.checks.active.xpathi import XpathInjection
from bastion.dast.checks.active.xss_reflected import ReflectedXss
from bastion.dast.checks.active.xss_stored import StoredXss
from bastion.dast.checks.active.xxe import XmlExternalEntity
from bastion.dast.checks.base import ActiveRule

# Cheap, high-yield rules first: when the scan's budget runs out, they have run.
ACTIVE_RULES: tuple[type[ActiveRule], ...] = (
    ReflectedXss,
    SqlInjection,
    PathTraversal,
    OpenRedirect,
    CodeInjection,
    CommandInjection,
    XmlExternalEntity,
    CrlfInjection,
    LdapInjection,
    XpathInjection,
    InsecureDeserialization,
    StoredXss,
)

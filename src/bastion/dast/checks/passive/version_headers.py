"""Response headers that name the server or framework with its version (``Server:
Apache/2.4.41``, ``X-Powered-By: PHP/7.4.3``): a free lookup of the known flaws of
that exact release (CWE-497)."""

from __future__ import annotations

import re
from typing import ClassVar

from bastion.dast.checks.base import PassiveRule
from bastion.dast.model import Confidence, DastFinding, Exchange, HttpRequest
from bastion.models import Severity

# Headers whose job is to name software; others (Via, X-Runtime…) carry numbers that are
# no product version.
VERSION_HEADERS = (
    "server",
    "x-powered-by",
    "x-aspnet-version",
    "x-aspnetmvc-version",
    "x-generator",
    "x-powered-cms",
    "x-drupal-version",
    "x-php-version",
    "x-server-version",
    "x-backend-server",
    "x-version",
    "microsoftsharepointteamservices",
)
# "2.4.41", "v7.4", "10.0": a number with at least one dot, not inside a longer token.
_VERSION = re.compile(r"(?<![\w.])v?\d+(?:\.\d+)+")
# An IPv4 address (X-Backend-Server: 10.0.0.12) is no version.
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def _has_version(value: str) -> bool:
    return any(not _IPV4.fullmatch(match.group(0)) for match in _VERSION.finditer(value))


def version_disclosures(headers: tuple[tuple[str, str], ...]) -> list[str]:
    """``Name: value`` of every header above whose value holds a version number."""
    found: list[str] = []
    for name, value in headers:
        if name.lower() in VERSION_HEADERS and _has_version(value):
            found.append(f"{name}: {value[:120]}")
    return found


class VersionDisclosureRule(PassiveRule):
    rule_id: ClassVar[str] = "dast.disclosure.version-headers"
    name: ClassVar[str] = "Software version disclosed in headers"
    cwe: ClassVar[int] = 497
    severity: ClassVar[Severity] = Severity.LOW
    confidence: ClassVar[Confidence] = Confidence.HIGH
    scope: ClassVar[str] = "site"
    tags: ClassVar[tuple[str, ...]] = ("OWASP_2021_A05", "WSTG-INFO-02")
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/497.html",
        "https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/01-Information_Gathering/02-Fingerprint_Web_Server",
    )
    description: ClassVar[str] = (
        "Response headers such as Server, X-Powered-By or X-AspNet-Version name the "
        "software behind the site with its exact version. Attackers use it to pick "
        "exploits for the known vulnerabilities of that release without probing."
    )
    remediation: ClassVar[str] = (
        "Remove the headers or their version numbers (Apache: ServerTokens Prod; nginx: "
        "server_tokens off; PHP: expose_php = Off; ASP.NET: enableVersionHeader=false), "
        "and keep the software up to date."
    )

    def check(self, exchange: Exchange) -> list[DastFinding]:
        found = version_disclosures(exchange.response.headers)
        if not found:
            return []
        return [self.make_finding(request=exchange.request, evidence="; ".join(found))]

    @classmethod
    def example(cls) -> DastFinding:
        return cls.make_finding(
            request=HttpRequest("GET", "https://shop.example/"),
            evidence="Server: Apache/2.4.41 (Ubuntu); X-Powered-By: PHP/7.4.3",
        )

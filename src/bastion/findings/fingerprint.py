"""Stable fingerprints: what makes two scans' findings "the same finding".

A fingerprint is the SHA-256 of a JSON array of its parts, so no choice of separator can
make two different part lists collide (``["a|b", "c"]`` and ``["a", "b|c"]`` differ).
The first part is the scan type, so an SCA and a DAST finding never share a fingerprint.

What is in, and why:

SCA — repository, ecosystem, package, advisory.
    * repository (``owner/repo``, lower-cased: GitHub names are case-insensitive);
    * ecosystem and the package name normalised by the ecosystem's own rules (the same
      :func:`bastion.ecosystems.normalize_package_name` the scanner matches advisories
      with), so ``Django`` and ``django`` in PyPI are one package;
    * the advisory id.
    Out: the installed version — upgrading to a release that is still affected does not
    fix the finding, it is the same problem; the manifest file — a package locked in two
    files of one repository needs one decision, not two; severity, fix and summary —
    advisories are edited, and an edit is not a new finding.

DAST — target, rule, endpoint, parameter.
    * the target id (the same URL registered again is a new target, with its own
      history);
    * the rule id (stable, never reused);
    * the endpoint: the method upper-cased and the URL without query string and
      fragment, its scheme and host lower-cased and a default port dropped (they do not
      name different resources), its path kept as sent (paths are case-sensitive), any
      ``user:password@`` dropped (credentials name no resource and must not be stored);
    * the parameter, or ``""`` when the finding is about the whole endpoint.
    Out: the query string — crawlers reach one endpoint with many parameter values and
    orders, and each insertion point is already the ``parameter``; payload, evidence,
    confidence and severity — they vary from scan to scan for the same weakness.
"""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import urlsplit, urlunsplit

import orjson

from bastion.db.models.findings import ScanType
from bastion.ecosystems import Ecosystem, normalize_package_name

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _digest(scan_type: ScanType, *parts: str) -> str:
    return hashlib.sha256(orjson.dumps([scan_type.value, *parts])).hexdigest()


def normalize_repository(repository: str) -> str:
    """``Owner/Repo`` → ``owner/repo``: the key findings of one repository share."""
    return repository.strip().lower()


def sca_fingerprint(repository: str, ecosystem: Ecosystem, package: str, advisory_id: str) -> str:
    return _digest(
        ScanType.SCA,
        normalize_repository(repository),
        ecosystem.value,
        normalize_package_name(ecosystem, package),
        advisory_id.strip(),
    )


def endpoint_url(url: str) -> str:
    """The URL without query, fragment and credentials, scheme and host lower-cased,
    default port dropped. A URL ``urlsplit`` cannot read (a broken IPv6 literal, a bad
    port) keeps its spelling minus query and fragment: an odd URL must not stop ingestion."""
    raw = url.split("#", 1)[0].split("?", 1)[0].strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return raw
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host:
        return raw
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", "", ""))


def dast_fingerprint(
    target_id: uuid.UUID, rule_id: str, method: str, url: str, parameter: str | None
) -> str:
    return _digest(
        ScanType.DAST,
        str(target_id),
        rule_id.strip(),
        method.strip().upper(),
        endpoint_url(url),
        parameter or "",
    )

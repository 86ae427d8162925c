"""Content-Security-Policy parsing (CSP Level 3 §2.2, "parse a serialized CSP").

A response may carry several policies (repeated headers, comma-separated lists, ``<meta
http-equiv>`` tags); the browser enforces all of them, so content is allowed only when
every policy allows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bastion.dast.checks.passive._page import is_html, meta_content, text_of
from bastion.dast.model import HttpResponse

ASCII_WHITESPACE = "\t\n\f\r "


@dataclass(frozen=True, slots=True)
class Policy:
    """One policy: directive names and source expressions in lower case (CSP keywords
    and schemes are case-insensitive; nonces and hashes are only tested for presence)."""

    directives: Mapping[str, tuple[str, ...]]
    raw: str
    from_meta: bool = False

    def get(self, name: str) -> tuple[str, ...] | None:
        return self.directives.get(name)

    def script_sources(self) -> tuple[str, ...] | None:
        """The source list that governs scripts: ``script-src``, else ``default-src``,
        None when neither restricts them."""
        sources = self.get("script-src")
        return sources if sources is not None else self.get("default-src")


def parse_policy(serialized: str, *, from_meta: bool = False) -> Policy:
    """One serialized policy. The first occurrence of a directive wins; names that are
    no directive token are skipped, as browsers do."""
    directives: dict[str, tuple[str, ...]] = {}
    for token in serialized.split(";"):
        parts = token.strip(ASCII_WHITESPACE).split()
        if not parts:
            continue
        name = parts[0].lower()
        if not name.replace("-", "").isalnum() or name in directives:
            continue
        directives[name] = tuple(part.lower() for part in parts[1:])
    return Policy(
        directives=directives, raw=serialized.strip(ASCII_WHITESPACE), from_meta=from_meta
    )


def parse_header(value: str) -> list[Policy]:
    """Every policy of one header value (a comma separates policies)."""
    return [parse_policy(part) for part in value.split(",") if part.strip(ASCII_WHITESPACE)]


def enforced_policies(response: HttpResponse) -> list[Policy]:
    """The enforced policies of a response: ``Content-Security-Policy`` headers, and
    ``<meta http-equiv>`` policies of HTML documents (Report-Only is not enforced)."""
    policies = [
        policy
        for value in response.header_values("content-security-policy")
        for policy in parse_header(value)
    ]
    if is_html(response):
        policies += [
            parse_policy(content, from_meta=True)
            for content in meta_content(text_of(response), http_equiv="content-security-policy")
            if content.strip()
        ]
    return policies

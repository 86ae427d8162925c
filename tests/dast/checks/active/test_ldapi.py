from __future__ import annotations

import fnmatch

import pytest

from bastion.dast.checks.active.ldapi import LdapInjection
from bastion.dast.model import HttpRequest, HttpResponse
from tests.dast.checks.active.fakes import App, escape, get, page, param, scan

PEOPLE = [
    {"uid": "alice", "objectClass": "person", "cn": "Alice Liddell"},
    {"uid": "bob", "objectClass": "person", "cn": "Bob Dylan"},
    {"uid": "printer", "objectClass": "device", "cn": "Printer"},
]


class FilterError(Exception):
    pass


def parse(text: str, index: int = 0) -> tuple[object, int]:
    """A small RFC 4515 filter parser: (&…) (|…) (!…) and attr=value with * wildcards."""
    if index >= len(text) or text[index] != "(":
        raise FilterError("Bad search filter")
    index += 1
    if index < len(text) and text[index] in "&|!":
        op = text[index]
        index += 1
        children = []
        while index < len(text) and text[index] == "(":
            child, index = parse(text, index)
            children.append(child)
        node: object = (op, children)
    else:
        end = text.find(")", index)
        if end < 0:
            raise FilterError("Bad search filter")
        attribute, equals, value = text[index:end].partition("=")
        if not equals or "(" in value or not attribute:
            raise FilterError("Bad search filter")
        node = ("=", attribute, value)
        index = end
    if index >= len(text) or text[index] != ")":
        raise FilterError("Bad search filter")
    return node, index + 1


def matches(node: object, entry: dict[str, str]) -> bool:
    assert isinstance(node, tuple)
    if node[0] == "&":
        return all(matches(child, entry) for child in node[1])
    if node[0] == "|":
        return any(matches(child, entry) for child in node[1])
    if node[0] == "!":
        return not matches(node[1][0], entry)
    _, attribute, value = node
    return attribute in entry and fnmatch.fnmatchcase(entry[attribute], value)


def escape_filter(value: str) -> str:
    return "".join(f"\\{ord(c):02x}" if c in "*()\\\x00" else c for c in value)


def directory_app(*, errors: bool = True, escaped: bool = False) -> App:
    def handle(request: HttpRequest) -> HttpResponse:
        uid = param(request, "uid")
        query = f"(&(uid={escape_filter(uid) if escaped else uid})(objectClass=person))"
        try:
            node, end = parse(query)
            if end != len(query):
                raise FilterError("Bad search filter")
        except FilterError as exc:
            if errors:
                return page(f"<p>ldap_search(): Search: {exc}</p>", 500)
            return page("<p>Error</p>", 500)
        found = [e["cn"] for e in PEOPLE if matches(node, e)]
        items = "".join(f"<li>{escape(cn)}</li>" for cn in found) or "<p>Nobody</p>"
        return page(f"<p>Search: {escape(uid)}</p><ul>{items}</ul>")

    return handle


URL = "http://app.test/people?uid=alice"


def test_filter_errors() -> None:
    finding, probe = scan(LdapInjection(), directory_app(), get(URL), name="uid")
    assert finding is not None
    assert "Bad search filter" in finding.evidence
    assert finding.request in probe.sent
    assert finding.confirmations


def test_boolean_without_errors() -> None:
    finding, _ = scan(LdapInjection(), directory_app(errors=False), get(URL), name="uid")
    assert finding is not None
    assert "LDAP filter logic" in finding.evidence
    assert finding.payload == "*"


@pytest.mark.parametrize("errors", [True, False])
def test_escaped_values_are_safe(errors: bool) -> None:
    finding, _ = scan(
        LdapInjection(), directory_app(errors=errors, escaped=True), get(URL), name="uid"
    )
    assert finding is None


def test_glob_search_is_not_ldap() -> None:
    def handle(request: HttpRequest) -> HttpResponse:
        pattern = param(request, "uid")
        found = [e["cn"] for e in PEOPLE if fnmatch.fnmatchcase(e["uid"], pattern)]
        return page("<ul>" + "".join(f"<li>{escape(cn)}</li>" for cn in found) + "</ul>")

    finding, _ = scan(LdapInjection(), handle, get(URL), name="uid")
    assert finding is None


def test_a_yaml_loader_is_not_ldap() -> None:
    """``*`` starts a YAML alias: a YAML form errors on the always-true payloads and
    accepts the always-false ones. That split is a parser breaking, not filter logic."""

    def handle(request: HttpRequest) -> HttpResponse:
        config = param(request, "uid")
        if config.startswith("*"):
            return page(
                f"<pre>yaml.ComposerError: found undefined alias {escape(config)}</pre>", 400
            )
        return page(f"<pre>{escape(repr(config))}</pre>")

    finding, _ = scan(LdapInjection(), handle, get(URL), name="uid")
    assert finding is None

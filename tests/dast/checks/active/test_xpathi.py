from __future__ import annotations

import pytest
from lxml import etree

from bastion.dast.checks.active.sqli import SqlInjection
from bastion.dast.checks.active.xpathi import XpathInjection
from bastion.dast.model import HttpRequest, HttpResponse
from tests.dast.checks.active.fakes import App, escape, get, page, param, scan
from tests.dast.checks.active.test_sqli import sqlite_app

USERS = etree.fromstring(
    b"<users><user><name>alice</name><role>admin</role></user>"
    b"<user><name>bob</name><role>staff</role></user></users>"
)


def xpath_app(*, errors: bool = True, bound: bool = False) -> App:
    def handle(request: HttpRequest) -> HttpResponse:
        name = param(request, "name")
        try:
            if bound:
                roles = USERS.xpath("//user[name=$n]/role/text()", n=name)
            else:
                roles = USERS.xpath(f"//user[name='{name}']/role/text()")
        except etree.XPathError as exc:
            if errors:
                return page(f"<pre>lxml.etree.XPathEvalError: {escape(str(exc))}</pre>", 500)
            return page("<p>Error</p>", 500)
        assert isinstance(roles, list)
        items = "".join(f"<li>{escape(str(r))}</li>" for r in roles) or "<p>No such user</p>"
        return page(f"<p>User {escape(name)}</p><ul>{items}</ul>")

    return handle


URL = "http://app.test/role?name=bob"


def test_xpath_errors() -> None:
    finding, probe = scan(XpathInjection(), xpath_app(), get(URL), name="name")
    assert finding is not None
    assert "XPath error" in finding.evidence
    assert finding.request in probe.sent


def test_boolean_without_errors() -> None:
    finding, _ = scan(XpathInjection(), xpath_app(errors=False), get(URL), name="name")
    assert finding is not None
    assert "XPath condition" in finding.evidence


def test_or_conditions_for_values_that_match_nothing() -> None:
    finding, _ = scan(
        XpathInjection(),
        xpath_app(errors=False),
        get("http://app.test/role?name=nobody"),
        name="name",
    )
    assert finding is not None
    assert finding.payload == "' or '1'='1"


@pytest.mark.parametrize("errors", [True, False])
def test_bound_variables_are_safe(errors: bool) -> None:
    finding, _ = scan(XpathInjection(), xpath_app(errors=errors, bound=True), get(URL), name="name")
    assert finding is None


@pytest.mark.parametrize("errors", [True, False])
def test_sql_injection_is_not_taken_for_xpath(errors: bool) -> None:
    app = sqlite_app("name = '{}'", errors=errors)
    finding, _ = scan(XpathInjection(), app, get("http://app.test/u?q=bob"), name="q")
    assert finding is None


def test_xpath_injection_is_not_taken_for_sql() -> None:
    finding, _ = scan(SqlInjection(), xpath_app(), get(URL), name="name")
    assert finding is None

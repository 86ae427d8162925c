"""The shared detectors: evidence decoding, error signatures, page comparison, timing,
HTML contexts and the JavaScript scanner."""

from __future__ import annotations

import asyncio
import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.checks.active.deserialization import classify
from bastion.dast.checks.active.open_redirect import redirect_to
from bastion.dast.checks.detect import (
    PageComparer,
    decoded_variants,
    find_text,
    normalise,
    server_error_flip,
    similarity,
)
from bastion.dast.checks.detect_errors import (
    LDAP_ERRORS,
    SQL_ERRORS,
    XPATH_ERRORS,
    find_error,
    new_error,
)
from bastion.dast.checks.detect_html import (
    Context,
    Reflection,
    injected_attribute,
    injected_element,
    injected_script,
    js_string_state,
    reflections,
    token_in_code,
)
from bastion.dast.checks.detect_timing import confirm_delay
from bastion.dast.model import Exchange, HttpRequest, HttpResponse
from tests.dast.checks.active.fakes import page


def test_evidence_is_found_through_html_entities_and_url_encoding() -> None:
    assert "root:x:0:0:" in decoded_variants("root&#58;x&#58;0&#58;0&#58;")[1]
    assert find_text("a%20b%3Cc", "a b<c") is not None
    assert find_text("&lt;bstn1&gt;", "<bstn1>") is not None
    assert find_text("nothing here", "<bstn1>") is None


SQL_SAMPLES = {
    "MySQL": (
        "You have an error in your SQL syntax; check the manual that corresponds to your "
        "MySQL server version for the right syntax to use near '1'' at line 1"
    ),
    "PostgreSQL": 'psycopg2.errors.SyntaxError: unterminated quoted string at or near "\'"',
    "Microsoft SQL Server": "Unclosed quotation mark after the character string ''.",
    "Oracle": "ORA-01756: quoted string not properly terminated",
    "SQLite": 'sqlite3.OperationalError: near "x": syntax error',
}


@pytest.mark.parametrize(("dbms", "message"), SQL_SAMPLES.items(), ids=SQL_SAMPLES.keys())
def test_sql_error_signatures(dbms: str, message: str) -> None:
    found = find_error(f"<pre>{html.escape(message)}</pre>", SQL_ERRORS)
    assert found is not None
    assert found.kind == dbms


@pytest.mark.parametrize(
    "text",
    [
        "Welcome to our SQL tutorial: learn the syntax of SELECT",
        'psycopg2.errors.InvalidTextRepresentation: invalid input syntax for type integer: "x"',
        "Conversion failed when converting the varchar value 'x' to data type int.",
        "ORA-01722: invalid number",
        "Oracle Corporation is a company",
    ],
)
def test_sql_lookalikes_are_not_errors(text: str) -> None:
    assert find_error(text, SQL_ERRORS) is None


def test_ldap_and_xpath_signatures() -> None:
    assert find_error("javax.naming.directory.InvalidSearchFilterException: x", LDAP_ERRORS)
    assert find_error("Warning: ldap_search(): Search: Bad search filter", LDAP_ERRORS)
    assert find_error("lxml.etree.XPathEvalError: Invalid predicate", XPATH_ERRORS)
    assert find_error("System.Xml.XPath.XPathException: Expression must evaluate", XPATH_ERRORS)
    assert find_error("Please search our LDAP directory", LDAP_ERRORS) is None


def test_new_error_ignores_messages_the_baseline_already_had() -> None:
    message = 'sqlite3.OperationalError: unrecognized token: "\'"'
    baseline = page(f"<p>{message}</p>")
    assert new_error(page(f"<p>{message}</p>"), baseline, SQL_ERRORS) is None
    fresh = page(f'<p>{message}</p><p>SQLite error 1: near "x": syntax error</p>')
    found = new_error(fresh, baseline, SQL_ERRORS)
    assert found is not None
    assert found.text == "SQLite error 1:"


def test_page_comparison_ignores_echoed_payloads_and_volatile_values() -> None:
    compare = PageComparer(["' AND '1'='1", "' AND '1'='2"])
    first = page(
        "<p>You searched bob' AND '1'='1 at 12:01:33</p><input value=a1b2c3d4e5f6a7b8c9d0>"
    )
    second = page(
        "<p>You searched bob&#x27; AND &#x27;1&#x27;=&#x27;2 at 12:01:34</p>"
        "<input value=ffe1b2c3d4e5f6a7b8c9>"
    )
    assert compare.same(first, second)
    other = page("<p>You searched bob' AND '1'='2</p><p>No results</p><ul></ul>")
    assert compare.different(first, other)
    assert compare.different(first, page(first.text, 500))


def test_similarity_bounds() -> None:
    assert similarity("a b c", "a b c") == 1.0
    assert similarity("a b", "c d") == 0.0
    assert similarity("", "") == 1.0
    assert 0 < similarity("a b c d", "a b c e") < 1


def test_server_error_flip() -> None:
    ok, broken = page("ok"), page("error", 500)
    assert server_error_flip(ok, broken, page("ok again"))
    assert not server_error_flip(ok, broken, page("still broken", 500))
    assert not server_error_flip(page("x", 500), broken, ok)


def _timed(elapsed: dict[int, float]) -> tuple[list[int], object]:
    asked: list[int] = []

    async def send(seconds: int) -> Exchange:
        asked.append(seconds)
        return Exchange(
            HttpRequest("GET", f"http://t/?d={seconds}"), page("x", elapsed=elapsed[seconds])
        )

    return asked, send


@pytest.mark.parametrize(
    ("elapsed", "baseline", "confirmed", "asked"),
    [
        ({2: 2.1, 0: 0.1, 3: 3.1}, 0.1, True, [2, 0, 3]),
        ({2: 1.5, 0: 0.1, 3: 3.1}, 0.1, False, [2]),  # first delay too short
        ({2: 2.6, 0: 2.5, 3: 3.0}, 0.1, False, [2, 0]),  # everything slow
        ({2: 2.1, 0: 0.1, 3: 0.2}, 0.1, False, [2, 0, 3]),  # second delay missing
        ({2: 3.0, 0: 1.0, 3: 3.5}, 1.0, False, [2, 0, 3]),  # 3 s over a 1 s control: 2.5 < 2.7
    ],
)
def test_confirm_delay(
    elapsed: dict[int, float], baseline: float, confirmed: bool, asked: list[int]
) -> None:
    sent, send = _timed(elapsed)
    proof = asyncio.run(confirm_delay(send, page("x", elapsed=baseline)))  # type: ignore[arg-type]
    assert (proof is not None) is confirmed
    assert sent == asked


@pytest.mark.parametrize(
    ("html_text", "expected"),
    [
        ("<p>Mk</p>", Reflection(Context.HTML)),
        ("<textarea>Mk</textarea>", Reflection(Context.RAWTEXT, "textarea")),
        ("<!-- Mk -->", Reflection(Context.COMMENT)),
        ("<script>var a = 'x Mk';</script>", Reflection(Context.SCRIPT, js_quote="'")),
        ('<script>var a = "x" + Mk;</script>', Reflection(Context.SCRIPT, js_quote="")),
        ('<input value="a Mk">', Reflection(Context.ATTRIBUTE, '"')),
        ("<input value='it\"s Mk'>", Reflection(Context.ATTRIBUTE, "'")),
        ("<input value=Mk>", Reflection(Context.ATTRIBUTE, "")),
        ('<a href="Mk">', Reflection(Context.URL, '"')),
        ('<a onclick="go(&#39;Mk&#39;)">', Reflection(Context.EVENT, '"', "'")),
        ("<scripted>Mk</scripted>", Reflection(Context.HTML)),
    ],
)
def test_reflection_contexts(html_text: str, expected: Reflection) -> None:
    assert reflections(html_text, "Mk") == [expected]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("var a = 'x'-tok-'';", True),
        ("var a = 'x\\'-tok-\\'';", False),
        ('var a = "x" + "tok";', False),
        ("// tok\nvar a;", False),
        ("/* tok */", False),
        ("var t = `a ${tok} b`;", True),
        ("var t = `a tok b`;", False),
        ("var tokens = 1;", False),
        ("f(tok)", True),
    ],
)
def test_token_in_code(code: str, expected: bool) -> None:
    assert token_in_code(code, "tok") is expected


def test_js_string_state() -> None:
    assert js_string_state("var a = 'abc") == "'"
    assert js_string_state('var a = "a\\"b') == '"'
    assert js_string_state("var a = 1; //") == "/"
    assert js_string_state("x = `a ${b") == ""


def test_injected_markup_checks_parse_the_page() -> None:
    assert injected_element("<p><bstnq1></p>", "bstnq1")
    assert not injected_element("<p>&lt;bstnq1&gt;</p>", "bstnq1")
    assert not injected_element("<script>'<bstnq1>'</script>", "bstnq1")
    assert injected_attribute('<input value="" onmouseover="bstnq1">', "bstnq1")
    assert not injected_attribute('<input value="&quot; onmouseover=&quot;bstnq1">', "bstnq1")
    assert injected_attribute('<a href=" JavaScript:bstnq1">', "bstnq1")
    assert injected_script("<script>x = ''-bstnq1-'';</script>", "bstnq1")
    assert not injected_script('<script type="application/json">[bstnq1]</script>', "bstnq1")


def test_redirect_detection_reads_headers_meta_and_script() -> None:
    host = "bastion-redirect.example"
    base = "http://app.test/"
    header = HttpResponse(base, 302, (("Location", f"//{host}/x"),), b"", 0.01)
    assert redirect_to(header, base) is not None
    not_a_redirect = HttpResponse(base, 200, (("Location", f"//{host}/x"),), b"", 0.01)
    assert redirect_to(not_a_redirect, base) is None
    refresh = page("", headers=(("Refresh", f"0; url=https://{host}/"),))
    assert redirect_to(refresh, base) is not None
    script = page(f"<script>location.replace('https:\\/\\/{host}\\/x')</script>")
    assert redirect_to(script, base) is not None


@given(st.text(max_size=300), st.text(min_size=1, max_size=8))
def test_html_context_parsers_never_raise(text: str, marker: str) -> None:
    reflections(text, marker)
    token_in_code(text, marker)
    js_string_state(text)
    injected_element(text, "bstnq1")
    injected_attribute(text, marker)
    injected_script(text, marker)
    redirect_to(page(text), "http://app.test/")


@given(st.text(max_size=300), st.lists(st.text(max_size=10), max_size=3))
def test_evidence_helpers_never_raise(text: str, payloads: list[str]) -> None:
    normalise(text, payloads)
    decoded_variants(text)
    find_error(text, SQL_ERRORS)
    find_error(text, LDAP_ERRORS)
    find_error(text, XPATH_ERRORS)
    PageComparer(payloads).score(page(text), page(text[::-1]))


@given(st.one_of(st.text(max_size=200), st.binary(max_size=100).map(lambda b: b.hex())))
def test_classify_never_raises(value: str) -> None:
    classify(value)

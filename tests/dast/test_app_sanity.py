"""The DAST test app is a fair benchmark: each vulnerable page falls to a hand-written
request, its safe twin does not, every place the manifest names exists, and the pages a
crawler should find are linked from the index."""

from __future__ import annotations

import base64
import contextlib
import json
import pickle
import re
import time
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openapi_core import OpenAPI
from selectolax.lexbor import LexborHTMLParser

from bastion.dast.model import Confidence, DastFinding, Location
from bastion.models import Severity
from tests.support.dast_app import dast_app_url  # noqa: F401 - pytest fixture
from tests.support.dast_app.expected import (
    EXPECTED,
    SAFE,
    SECONDARY,
    ExpectedFinding,
    Kind,
    SafePlace,
)
from tests.support.dast_app.web import FormError, parse_multipart, split_header_value

PASSWD = "root:x:0:0:"
TRAVERSAL = "../" * 12 + "etc/passwd"


@pytest.fixture
def client(dast_app_url: str) -> Iterator[httpx.Client]:  # noqa: F811 - the fixture
    with httpx.Client(base_url=dast_app_url, timeout=10.0) as client:
        yield client


def _vulnerable_and_safe(
    client: httpx.Client, method: str, path: str, **kwargs: object
) -> tuple[httpx.Response, httpx.Response]:
    vulnerable = client.request(method, path, **kwargs)  # type: ignore[arg-type]  # forwarding
    safe = client.request(method, _safe_path(path), **kwargs)  # type: ignore[arg-type]  # forwarding
    return vulnerable, safe


def _safe_path(path: str) -> str:
    base, sep, query = path.partition("?")
    return f"{base}-safe{sep}{query}"


# -- cross-site scripting --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("/xss/search?q=<b>zq1</b>", "<b>zq1</b>"),
        ('/xss/profile?name="><b>zq2</b>', '"><b>zq2</b>'),
        ("/xss/widget?user=';alert(1);//", "'';alert(1);//'"),
        ("/xss/filter?<b>zq3</b>=1", "<b>zq3</b> = 1"),
    ],
)
def test_reflected_xss_in_links(client: httpx.Client, path: str, marker: str) -> None:
    vulnerable, safe = _vulnerable_and_safe(client, "GET", path)
    assert marker in vulnerable.text
    assert marker not in safe.text
    assert safe.status_code == 200


def test_reflected_xss_in_a_script_block_cannot_close_it_when_safe(client: httpx.Client) -> None:
    safe = client.get("/xss/widget-safe", params={"user": "</script><b>zq4</b>"})
    assert "</script><b>" not in safe.text
    assert (
        client.get("/xss/widget", params={"user": "</script><b>zq4</b>"}).text.count("</script>")
        == 2
    )


def test_reflected_xss_in_form_fields_hidden_fields_and_names(client: httpx.Client) -> None:
    form = {"title": "<b>t</b>", "return_to": '"><b>zq5</b>'}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/xss/preview", data=form)
    assert '"><b>zq5</b>' in vulnerable.text
    assert "<b>t</b>" not in vulnerable.text  # the title is escaped on both
    assert "zq5" not in safe.text

    names = {"<b>zq6</b>": "on"}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/xss/fields", data=names)
    assert "<b>zq6</b>" in vulnerable.text
    assert "&lt;b&gt;zq6" in safe.text


def test_reflected_xss_in_multipart(client: httpx.Client) -> None:
    files = {"document": ("a.txt", b"hello")}
    data = {"caption": "<b>zq7</b>"}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/xss/upload", data=data, files=files)
    assert "<b>zq7</b>" in vulnerable.text
    assert "5 characters" in vulnerable.text
    assert "&lt;b&gt;zq7" in safe.text


def test_reflected_xss_in_headers_and_cookies(client: httpx.Client) -> None:
    agent = {"User-Agent": "<b>zq8</b>"}
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/xss/browser", headers=agent)
    assert "<b>zq8</b>" in vulnerable.text
    assert "&lt;b&gt;zq8" in safe.text

    referer = {"Referer": 'javascript:alert(1)"'}
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/xss/back", headers=referer)
    assert 'href="javascript:alert(1)""' in vulnerable.text
    assert "javascript:" not in safe.text

    cookie = {"Cookie": "lang=<b>zq9</b>"}
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/prefs/greeting", headers=cookie)
    assert "<b>zq9</b>" in vulnerable.text
    assert "&lt;b&gt;zq9" in safe.text


def test_reflected_xss_in_a_json_request(client: httpx.Client) -> None:
    body = {"text": "<b>zq10</b>"}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/xhr/preview", json=body)
    assert vulnerable.headers["content-type"].startswith("text/html")
    assert "<b>zq10</b>" in vulnerable.text
    assert "&lt;b&gt;zq10" in safe.text


def test_stored_xss_shows_on_the_guestbook_only(client: httpx.Client) -> None:
    message = {"name": "<i>n</i>", "message": "<b>zq11</b>"}
    posted = client.post("/guestbook/sign", data=message)
    assert "zq11" not in posted.text
    page = client.get("/guestbook").text
    assert "<b>zq11</b>" in page
    assert "&lt;i&gt;n&lt;/i&gt;" in page
    client.post("/guestbook-safe/sign", data=message)
    assert "&lt;b&gt;zq11" in client.get("/guestbook-safe").text


def test_guestbook_stays_bounded(client: httpx.Client) -> None:
    for index in range(60):
        client.post("/guestbook-safe/sign", data={"name": "n", "message": f"m{index}"})
    assert client.get("/guestbook-safe").text.count("<li>") == 40


# -- SQL injection ---------------------------------------------------------------------


def test_error_based_sql_injection_shows_the_sqlite_message(client: httpx.Client) -> None:
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/sqli/product?id=1'")
    assert "sqlite3.OperationalError" in vulnerable.text
    assert "sqlite3" not in safe.text
    both = client.get("/sqli/product", params={"id": "1 OR 1=1"}).text
    assert "Garden trowel" in both
    assert "Field guide" in both


def test_boolean_sql_injection_differs_without_errors(client: httpx.Client) -> None:
    true = client.get("/sqli/items", params={"category": "books' AND '1'='1"})
    false = client.get("/sqli/items", params={"category": "books' AND '1'='2"})
    broken = client.get("/sqli/items", params={"category": "books'"})
    assert "Atlas" in true.text
    assert "No items" in false.text
    assert "No items" in broken.text
    assert "sqlite" not in broken.text.lower()
    safe = client.get("/sqli/items-safe", params={"category": "books' AND '1'='1"})
    assert "No items" in safe.text


def test_sql_injection_in_forms_headers_cookies_and_json(client: httpx.Client) -> None:
    login = {"username": "alice' OR '1'='1' --", "password": "x"}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/sqli/login", data=login)
    assert "Welcome back, alice" in vulnerable.text
    assert safe.status_code == 401
    broken = client.post("/sqli/login", data={"username": "a", "password": "'"})
    assert "sqlite3.OperationalError" in broken.text

    agent = {"User-Agent": "x'"}
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/sqli/visits", headers=agent)
    assert "sqlite3.OperationalError" in vulnerable.text
    assert "visited 0 times" in safe.text

    cookie = {"Cookie": "lang=en'"}
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/prefs/catalog", headers=cookie)
    assert "sqlite3.OperationalError" in vulnerable.text
    assert "Welcome!" in safe.text

    body = {"customer": "x' OR '1'='1", "limit": 10}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/xhr/orders", json=body)
    assert len(vulnerable.json()["orders"]) == 3
    assert safe.json() == {"orders": []}


def test_sql_injection_in_the_openapi_described_api(client: httpx.Client) -> None:
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/api/products?search='")
    assert "sqlite3.OperationalError" in vulnerable.json()["error"]
    assert safe.json() == {"results": []}

    assert "sqlite3.OperationalError" in client.get("/api/users/1'").json()["error"]
    assert len(client.get("/api/users/0 OR 1=1").json()["results"]) == 3
    assert client.get("/api/users-safe/0 OR 1=1").json() == {"results": []}

    header = {"X-Api-Version": "2'"}
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/api/status", headers=header)
    assert "sqlite3.OperationalError" in vulnerable.json()["error"]
    assert safe.json() == {"results": []}


def test_heavy_sql_fails_instead_of_hanging(client: httpx.Client) -> None:
    started = time.monotonic()
    slow = client.get("/sqli/product", params={"id": "1 AND 1=LENGTH(RANDOMBLOB(500000000))"})
    assert "sqlite3" in slow.text
    assert time.monotonic() - started < 5
    loop = (
        "1 AND 1=(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) "
        "SELECT 1 FROM c WHERE x < 0)"
    )
    assert (
        "sqlite3.OperationalError: interrupted"
        in client.get("/sqli/product", params={"id": loop}).text
    )


def test_injected_sql_cannot_write(client: httpx.Client) -> None:
    response = client.get("/sqli/product", params={"id": "1; DELETE FROM products"})
    assert "sqlite3" in response.text
    assert "Garden trowel" in client.get("/sqli/product", params={"id": "2"}).text


# -- command injection -----------------------------------------------------------------


def test_command_injection_with_plain_output(client: httpx.Client) -> None:
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/cmd/ping?host=x;echo $((6*7))zq")
    assert "42zq" in vulnerable.text
    assert vulnerable.headers["content-type"].startswith("text/plain")
    assert "42zq" not in safe.text
    assert "$((6*7))zq" in safe.text  # echoed verbatim, never run


def test_command_injection_with_encoded_output(client: httpx.Client) -> None:
    data = {"domain": "x;echo '<zq>'"}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/cmd/lookup", data=data)
    assert "&lt;zq&gt;" in vulnerable.text
    assert "echo" not in vulnerable.text
    assert "echo" in safe.text


def test_blind_command_injection_shows_only_in_time(client: httpx.Client) -> None:
    data = {"email": "me@example.com;sleep 1"}
    files = {"attachment": ("a.txt", b"")}  # multipart, as the form sends it
    started = time.monotonic()
    vulnerable = client.post("/cmd/notify", data=data, files=files)
    slow = time.monotonic() - started
    started = time.monotonic()
    safe = client.post("/cmd/notify-safe", data=data, files=files)
    fast = time.monotonic() - started
    assert vulnerable.text == safe.text
    assert slow >= 1.0
    assert fast < 0.9


def test_command_injection_in_the_api(client: httpx.Client) -> None:
    body = {"host": "x | echo $((6*7))zq"}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/api/ping", json=body)
    assert "42zq" in vulnerable.json()["output"]
    assert "42zq" not in safe.json()["output"]


# -- path traversal --------------------------------------------------------------------


def test_path_traversal_in_a_query(client: httpx.Client) -> None:
    assert PASSWD in client.get("/files/view", params={"name": TRAVERSAL}).text
    assert PASSWD in client.get("/files/view", params={"name": "/etc/passwd"}).text
    assert "root:x:0:0:" in client.get("/files/escaped", params={"name": TRAVERSAL}).text
    safe = client.get("/files/safe", params={"name": TRAVERSAL})
    assert safe.status_code == 404
    assert PASSWD not in safe.text
    assert "Quarterly" in client.get("/files/safe", params={"name": "report.txt"}).text


def test_path_traversal_escapes_html_where_it_says(client: httpx.Client) -> None:
    assert "&lt;b&gt;ship" in client.get("/files/escaped", params={"name": "notes.txt"}).text
    assert "<b>ship" in client.get("/files/view", params={"name": "notes.txt"}).text


def test_path_traversal_in_a_path_segment(client: httpx.Client) -> None:
    encoded = TRAVERSAL.replace("/", "%2f")
    assert PASSWD in client.get(f"/files/raw/{encoded}").text
    assert client.get(f"/files/download/{encoded}").status_code == 404
    assert "Public files" in client.get("/files/download/readme.txt").text


def test_path_traversal_never_reads_devices(client: httpx.Client) -> None:
    response = client.get("/files/view", params={"name": "/dev/zero"})
    assert response.status_code == 404


# -- open redirect ---------------------------------------------------------------------


def test_open_redirect_in_location(client: httpx.Client) -> None:
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/go?url=https://evil.example/")
    assert vulnerable.status_code == 302
    assert vulnerable.headers["location"] == "https://evil.example/"
    assert safe.headers["location"] == "/"
    assert client.get("/go-safe", params={"url": "//evil.example"}).headers["location"] == "/"
    assert client.get("/go-safe", params={"url": "/sqli/"}).headers["location"] == "/sqli/"


def test_open_redirect_in_meta_refresh_and_hidden_field(client: httpx.Client) -> None:
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/go/meta?next=https://evil.example/")
    assert 'content="1;url=https://evil.example/"' in vulnerable.text
    assert 'content="1;url=/"' in safe.text

    form = {"username": "a", "password": "b", "next": "https://evil.example/"}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/account/login", data=form)
    assert vulnerable.status_code == 303
    assert vulnerable.headers["location"] == "https://evil.example/"
    assert safe.headers["location"] == "/"


# -- template injection ----------------------------------------------------------------


def test_template_injection(client: httpx.Client) -> None:
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/ssti/greet?name={{7*191}}")
    assert "Hello 1337" in vulnerable.text
    assert "Hello {{7*191}}" in safe.text
    broken = client.get("/ssti/greet", params={"name": "{{"})
    assert "TemplateSyntaxError" in broken.text

    form = {"body": "{{ 7*191 }}"}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/ssti/preview", data=form)
    assert "Newsletter: 1337" in vulnerable.text
    assert "1337" not in safe.text

    body = {"template": "{{ 7*191 }}"}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/api/render", json=body)
    assert vulnerable.json() == {"output": "1337"}
    assert safe.json() == {"output": "{{ 7*191 }}"}


def test_template_injection_output_is_escaped(client: httpx.Client) -> None:
    response = client.get("/ssti/greet", params={"name": "<b>zq12</b>"})
    assert "&lt;b&gt;zq12" in response.text


# -- XML -------------------------------------------------------------------------------

XXE = (
    '<?xml version="1.0"?><!DOCTYPE items [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<items><item><name>&xxe;</name></item></items>"
)


def test_xxe_reads_local_files(client: httpx.Client) -> None:
    headers = {"Content-Type": "application/xml"}
    vulnerable, safe = _vulnerable_and_safe(
        client, "POST", "/xml/import", content=XXE, headers=headers
    )
    assert PASSWD in vulnerable.text
    assert PASSWD not in safe.text
    assert "Imported 1 items" in safe.text


def test_xxe_never_reads_devices(client: httpx.Client) -> None:
    document = XXE.replace("/etc/passwd", "/dev/zero")
    assert "Imported 1 items" in client.post("/xml/import", content=document).text


def test_xpath_injection(client: httpx.Client) -> None:
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/xpath/user?name=' or '1'='1")
    assert vulnerable.text.count("<li>") == 3
    assert "No such user" in safe.text
    assert "XPathEvalError" in client.get("/xpath/user", params={"name": "'"}).text

    document = "<lookup><name>' or '1'='1</name></lookup>"
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/xhr/user-lookup", content=document)
    assert vulnerable.text.count("<li>") == 3
    assert "No such user" in safe.text
    # The lookup document itself is parsed without entities: no XXE there.
    entity = '<!DOCTYPE lookup [<!ENTITY n "alice">]><lookup><name>&n;</name></lookup>'
    assert "No such user" in client.post("/xhr/user-lookup", content=entity).text


# -- LDAP ------------------------------------------------------------------------------


def test_ldap_injection(client: httpx.Client) -> None:
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/ldap/people?user=*")
    assert vulnerable.text.count("<li>") == 3
    assert "Nobody found" in safe.text
    broken = client.get("/ldap/people", params={"user": "alice)("})
    assert "LDAPInvalidFilterError" in broken.text
    assert "Nobody found" in client.get("/ldap/people-safe", params={"user": "alice)("}).text
    assert "Alice Liddell" in client.get("/ldap/people-safe", params={"user": "alice"}).text


# -- deserialisation -------------------------------------------------------------------


class _Marker:
    """Unpickles to a string only the app's unpickling can produce."""

    def __reduce__(self) -> tuple[object, tuple[str, ...]]:
        return (str.upper, ("zq13",))


def test_pickle_cookie_is_unpickled(client: httpx.Client) -> None:
    cart = client.get("/cart")
    assert cart.cookies["cart"]
    payload = base64.b64encode(pickle.dumps(_Marker())).decode()
    vulnerable = client.get("/cart/view", headers={"Cookie": f"cart={payload}"})
    assert "ZQ13" in vulnerable.text
    broken = client.get("/cart/view", headers={"Cookie": "cart=eHl6"})
    assert "UnpicklingError" in broken.text
    safe = client.get("/cart/view-safe", headers={"Cookie": f"cart_json={payload}"})
    assert "ZQ13" not in safe.text
    good = base64.b64encode(json.dumps({"items": ["Rake"]}).encode()).decode()
    assert "Rake" in client.get("/cart/view-safe", headers={"Cookie": f"cart_json={good}"}).text


def test_yaml_is_loaded_unsafely(client: httpx.Client) -> None:
    data = {"config": "!!python/object/apply:operator.concat ['zq', '14x']"}
    files = {"attachment": ("a.txt", b"")}
    vulnerable, safe = _vulnerable_and_safe(client, "POST", "/yaml/import", data=data, files=files)
    assert "zq14x" in vulnerable.text
    assert "ConstructorError" in safe.text
    assert "zq14x" not in safe.text


# -- header injection ------------------------------------------------------------------


def test_crlf_injection_adds_headers_and_body(client: httpx.Client) -> None:
    vulnerable, safe = _vulnerable_and_safe(client, "GET", "/crlf/lang?lang=en%0d%0aX-Zq15:%20yes")
    assert vulnerable.headers["x-zq15"] == "yes"
    assert vulnerable.headers["content-language"] == "en"
    assert "x-zq15" not in safe.headers
    assert safe.headers["content-language"] == "enX-Zq15: yes"
    body = client.get("/crlf/lang", params={"lang": "en\r\n\r\n<b>zq16</b>"})
    assert body.text.startswith("<b>zq16</b>")


# -- passive ---------------------------------------------------------------------------


def test_security_headers_per_section(client: httpx.Client) -> None:
    assert "content-security-policy" not in client.get("/").headers
    secure = client.get("/secure/").headers
    assert "frame-ancestors 'none'" in secure["content-security-policy"]
    assert secure["x-content-type-options"] == "nosniff"
    assert "unsafe-inline" in client.get("/weak-csp/").headers["content-security-policy"]
    assert "server" not in client.get("/").headers
    assert client.get("/about").headers["server"] == "Apache/2.4.41 (Ubuntu)"


def test_session_cookies_each_lack_one_flag(client: httpx.Client) -> None:
    cookies = {
        value.split("=", 1)[0]: value.lower()
        for value in client.get("/session/start").headers.get_list("set-cookie")
    }
    assert "secure" not in cookies["sid"]
    assert "httponly" not in cookies["ui_prefs"]
    assert "samesite" not in cookies["tracker"]
    assert all(flag in cookies["auth"] for flag in ("secure", "httponly", "samesite=strict"))


def test_leaks(client: httpx.Client) -> None:
    assert "Traceback (most recent call last)" in client.get("/debug/error?id=x").text
    assert "Traceback" not in client.get("/debug/error-safe?id=x").text
    assert "<title>Index of /pub</title>" in client.get("/pub/").text
    assert client.get("/docs/").status_code == 403
    assert client.get("/.git/HEAD").text.startswith("ref: refs/heads/")
    assert client.get("/backup.zip").content.startswith(b"PK\x03\x04")
    soft = client.get("/shop/.env")
    assert soft.status_code == 200
    assert "DB_PASSWORD" not in soft.text


def test_cors(client: httpx.Client) -> None:
    evil = {"Origin": "https://evil.example"}
    assert (
        client.get("/cors/reflect", headers=evil).headers["access-control-allow-origin"]
        == "https://evil.example"
    )
    assert "access-control-allow-origin" not in client.get("/cors/reflect").headers
    assert "access-control-allow-origin" not in client.get("/cors/allowlist", headers=evil).headers
    wildcard = client.get("/cors/wildcard").headers
    assert wildcard["access-control-allow-credentials"] == "true"
    assert "access-control-allow-credentials" not in client.get("/cors/public").headers


# -- the manifest and navigation -------------------------------------------------------


def _concrete(path: str) -> str:
    """A real path for a template: ``{name:path}`` is a file name, other slots an id."""
    return re.sub(r"\{[a-z_]+\}", "1", path.replace("{name:path}", "readme.txt"))


def test_every_place_in_the_manifest_exists(client: httpx.Client) -> None:
    entries: tuple[ExpectedFinding | SafePlace, ...] = (*EXPECTED, *SAFE, *SECONDARY)
    for entry in entries:
        path = _concrete(entry.path)
        data = {"x": "1"} if entry.method == "POST" else None
        response = client.request(entry.method, path, data=data)
        # Starlette's own answer when no route matches (the app's 404 pages are HTML).
        unrouted = response.status_code == 404 and response.text == "Not Found"
        assert not unrouted, entry
        assert response.status_code != 405, entry
        assert entry.matches_path(path)


def _finding(rule_id: str, cwe: int, method: str, url: str, parameter: str | None) -> DastFinding:
    return DastFinding(
        rule_id=rule_id,
        name="n",
        cwe=cwe,
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        url=url,
        method=method,
        parameter=parameter,
        evidence="e",
    )


def test_manifest_matching() -> None:
    base = "http://127.0.0.1:1"
    sqli = _finding("dast.sqli", 89, "GET", f"{base}/api/users/1%20OR%201=1", "2")
    assert [e.path for e in EXPECTED if e.matches(sqli)] == ["/api/users/{user_id}"]
    assert not any(place.flagged_by(sqli) for place in SAFE)
    on_safe = _finding("dast.sqli", 89, "GET", f"{base}/api/users-safe/1'", "user_id")
    assert [p.path for p in SAFE if p.flagged_by(on_safe)] == ["/api/users-safe/{user_id}"]
    # Site-wide findings match whatever page they name; passive kinds need their rule.
    csp = _finding("dast.headers.csp-missing", 693, "GET", f"{base}/sqli/", None)
    assert [e.kind for e in EXPECTED if e.matches(csp)] == [Kind.CSP_MISSING]
    cookie = _finding("dast.cookies.no-secure", 614, "GET", f"{base}/session/start", "sid")
    assert [e.kind for e in EXPECTED if e.matches(cookie)] == [Kind.COOKIE_SECURE]
    assert not any(place.flagged_by(cookie) for place in SAFE)
    wrong = _finding("dast.cookies.no-httponly", 1004, "GET", f"{base}/session/start", "sid")
    assert [p.parameter for p in SAFE if p.flagged_by(wrong)] == ["sid"]


def test_manifest_names_every_vulnerable_kind_and_location() -> None:
    assert {entry.kind for entry in EXPECTED} == set(Kind)
    locations = {entry.location for entry in EXPECTED}
    assert set(Location) - locations == {Location.HEADER_NAME}
    assert len({(e.kind, e.method, e.path, e.parameter) for e in EXPECTED}) == len(EXPECTED)


def _crawl(client: httpx.Client) -> set[tuple[str, str]]:
    """(method, path) of every link and form reachable from the index, no JavaScript."""
    seen: set[tuple[str, str]] = set()
    queue = ["/"]
    visited: set[str] = set()
    while queue:
        url = queue.pop()
        if url in visited:
            continue
        visited.add(url)
        response = client.get(url)
        if "html" not in response.headers.get("content-type", ""):
            continue
        tree = LexborHTMLParser(response.text)
        targets: list[tuple[str, str]] = [
            ("GET", node.attributes.get("href") or "") for node in tree.css("a")
        ]
        targets += [
            ((node.attributes.get("method") or "get").upper(), node.attributes.get("action") or "")
            for node in tree.css("form")
        ]
        for method, target in targets:
            absolute = urljoin(url, target)
            split = urlsplit(absolute)
            if split.netloc:
                continue
            seen.add((method, split.path))
            if method == "GET":
                queue.append(split.path + (f"?{split.query}" if split.query else ""))
    return seen


def test_crawlable_pages_are_linked_from_the_index(client: httpx.Client) -> None:
    found = _crawl(client)
    hidden = ("/xhr/", "/xml/import", "/api/", "/.", "/backup.zip", "/index.php.bak")
    entries: tuple[ExpectedFinding | SafePlace, ...] = (*EXPECTED, *SAFE)
    for entry in entries:
        if entry.path.startswith(hidden):
            continue
        path = _concrete(entry.path)
        reachable = any(
            method == entry.method and (seen == path or entry.matches_path(seen))
            for method, seen in found
        )
        assert reachable, entry


def test_openapi_description_is_valid_and_lists_only_api_paths(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    OpenAPI.from_dict(document)  # raises on an invalid description
    assert all(path.startswith("/api/") for path in document["paths"])


def test_xhr_urls_are_partly_visible_in_the_script(client: httpx.Client) -> None:
    script = client.get("/static/app.js").text
    assert "'/xhr/preview'" in script
    assert "'/xhr/user-lookup'" in script
    assert "/xhr/orders" not in script
    assert "/xml/import" not in script
    assert "/static/app.js" in client.get("/app").text


# -- the app's own parsers -------------------------------------------------------------

_TEXT = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40)
_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-.0123456789", min_size=1, max_size=12)


@given(fields=st.dictionaries(_NAMES, _TEXT, max_size=5))
def test_multipart_round_trips_what_httpx_encodes(fields: dict[str, str]) -> None:
    request = httpx.Request(
        "POST", "http://x/", data=fields, files={"upload": ("f.txt", b"file body")}
    )
    parsed = parse_multipart(request.read(), request.headers["content-type"])
    assert [(item.name, item.value) for item in parsed[:-1]] == list(fields.items())
    assert (parsed[-1].name, parsed[-1].value, parsed[-1].filename) == (
        "upload",
        "file body",
        "f.txt",
    )


@given(body=st.binary(max_size=300), boundary=st.text(max_size=20))
def test_multipart_parser_never_fails_unexpectedly(body: bytes, boundary: str) -> None:
    with contextlib.suppress(FormError):
        parse_multipart(body, f"multipart/form-data; boundary={boundary}")


@given(value=st.text(max_size=60))
def test_split_header_value_yields_only_valid_lines(value: str) -> None:
    headers, body = split_header_value("Content-Language", value)
    for name, field_value in headers:
        assert re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", name)
        assert "\r" not in field_value
        assert "\n" not in field_value
    assert isinstance(body, bytes)
    if not re.search(r"[\r\n]", value):
        assert body == b""
        assert len(headers) <= 1

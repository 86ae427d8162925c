"""URLs and API calls found in JavaScript source."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.crawler.scripts import ScriptRef, extract_urls, looks_like_url


def by_url(source: str) -> dict[str, ScriptRef]:
    return {ref.url: ref for ref in extract_urls(source)}


def test_fetch_with_method_headers_and_json_body() -> None:
    source = """
    fetch('/api/items', {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'X-Requested-With': 'fetch'},
      body: JSON.stringify({name: "lamp", count: 2, active: true, owner})
    }).then(r => r.json());
    fetch("/api/list");
    """
    refs = by_url(source)
    post = refs["/api/items"]
    assert post.method == "POST"
    assert post.content_type == "application/json"
    assert orjson.loads(post.body or "") == {
        "name": "lamp",
        "count": 2,
        "active": True,
        "owner": "bastion",
    }
    assert refs["/api/list"].method == "GET"
    assert refs["/api/list"].body is None


def test_xhr_open_records_method_content_type_and_literal_body() -> None:
    source = """
    var x = new XMLHttpRequest();
    x.open("PUT", "/api/doc/7", true);
    x.setRequestHeader("Content-Type", "application/xml");
    x.send("<doc><title>t</title></doc>");
    """
    ref = by_url(source)["/api/doc/7"]
    assert (ref.method, ref.content_type, ref.body) == (
        "PUT",
        "application/xml",
        "<doc><title>t</title></doc>",
    )


def test_jquery_axios_and_ajax_objects() -> None:
    source = """
    $.post('/cart/add', {id: 1});
    axios.delete(`/api/items/${item.id}`);
    jQuery.getJSON('/feed.json');
    $.ajax({ url: '/legacy/save.php', type: 'POST', data: {a: 1} });
    """
    refs = extract_urls(source)
    methods = {(ref.url, ref.method) for ref in refs}
    assert ("/cart/add", "POST") in methods
    assert ("/api/items/1", "DELETE") in methods  # template holes get a value
    assert ("/feed.json", "GET") in methods
    assert ("/legacy/save.php", "POST") in methods


def test_url_encoded_body_from_url_search_params() -> None:
    source = "fetch('/login', {method: 'POST', body: new URLSearchParams({user: 'a', pw: x})})"
    ref = by_url(source)["/login"]
    assert ref.content_type == "application/x-www-form-urlencoded"
    assert ref.body == "user=a&pw=bastion"


def test_plain_string_literals_that_look_like_urls() -> None:
    source = r"""
    var a = '/account/settings', b = "https://api.site.test/v2/users?x=1";
    var c = 'text/html', d = '12/05/2020', e = 'hello world', f = '/', g = '/\d+/';
    var h = "search.php?q=", i = 'api/v1/orders', j = "a\/b\/c.jsp", k = '../up/one';
    location.href = "/escaped\u002Fpath";
    """
    urls = {ref.url for ref in extract_urls(source)}
    assert {
        "/account/settings",
        "https://api.site.test/v2/users?x=1",
        "search.php?q=",
        "api/v1/orders",
        "a/b/c.jsp",
        "../up/one",
        "/escaped/path",
    } <= urls
    assert not urls & {"text/html", "12/05/2020", "hello world", "/", r"/\d+/"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/a", True),
        ("//cdn.site.test/lib.js", True),
        ("//", False),
        ("./x", True),
        ("application/json", False),
        ("index.html", True),
        ("jquery.min.js", False),
        ("/a b", False),
        ("</div>", False),
        ("http://", False),
    ],
)
def test_looks_like_url(text: str, expected: bool) -> None:
    assert looks_like_url(text) is expected


js_pieces = st.lists(
    st.text(max_size=15)
    | st.sampled_from(
        [
            "fetch(",
            ".open(",
            "$.post(",
            "axios.get(",
            "url:",
            "method:",
            "body:",
            "JSON.stringify({",
            "new URLSearchParams({",
            "'",
            '"',
            "`",
            "${",
            "}",
            ")",
            ",",
            "/api/x",
            "'POST'",
            "\\u00",
            "\\ud800",
            "\\",
            "\n",
        ]
    )
)


@given(st.text(max_size=3000))
def test_arbitrary_text_never_raises(text: str) -> None:
    for ref in extract_urls(text):
        assert looks_like_url(ref.url)


@given(js_pieces)
def test_call_soup_never_raises(pieces: list[str]) -> None:
    for ref in extract_urls("".join(pieces)):
        assert ref.method in {None, "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}
        if ref.body is not None:
            ref.body.encode("utf-8")


paths = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=8),
    min_size=1,
    max_size=4,
).map(lambda segments: "/" + "/".join(segments))


@given(paths, st.sampled_from(["GET", "POST", "PUT", "DELETE"]), st.sampled_from("'\"`"))
def test_every_fetch_call_is_found_with_its_method(path: str, method: str, quote: str) -> None:
    source = f"doSomething(); fetch({quote}{path}{quote}, {{method: '{method}'}}); more();"
    assert (path, method) in {(ref.url, ref.method) for ref in extract_urls(source)}

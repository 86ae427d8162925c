"""Insertion points: what a request offers, and injecting a payload that the server
parses back exactly (checked with independent parsers: urllib, json, email, defusedxml)."""

from __future__ import annotations

import email.parser
import email.policy
import json
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.engine.insertion import (
    DEFAULT_USER_AGENT,
    EXTRA_HEADER,
    inject,
    insertion_points,
)
from bastion.dast.model import HttpRequest, InsertionPoint, Location

FORM = "application/x-www-form-urlencoded"

QUERY_REQUEST = HttpRequest(
    "GET",
    "http://app.test/api/users/42/orders?q=shoes&page=2&q=boots&empty=#top",
    headers=(("Accept", "text/html"), ("Host", "app.test"), ("Content-Length", "0")),
    cookies=(("session", "abc123"), ("theme", "dark")),
)
FORM_REQUEST = HttpRequest(
    "POST",
    "http://app.test/login",
    headers=(("Content-Type", FORM), ("Content-Length", "27")),
    body=b"user=alice&pass=s%C3%A9cret+1&remember",
    content_type=FORM,
)
MULTIPART_BODY = (
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="title"\r\n\r\n'
    b"Hello\r\n"
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="upload"; filename="a.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n"
    b"file body\r\n"
    b"--XyZ\r\n"
    b'Content-Disposition: form-data; name="tags"\r\n\r\n'
    b"a\r\nb\r\n"
    b"--XyZ--\r\n"
)
MULTIPART_REQUEST = HttpRequest(
    "POST",
    "http://app.test/upload",
    headers=(("Content-Type", "multipart/form-data; boundary=XyZ"),),
    body=MULTIPART_BODY,
    content_type="multipart/form-data; boundary=XyZ",
)
JSON_REQUEST = HttpRequest(
    "POST",
    "http://app.test/api/users",
    body=json.dumps(
        {"user": {"name": "bob", "age": 31, "admin": False, "tags": ["a", None, 2.5]}, "a/b~c": 1}
    ).encode(),
    content_type="application/json",
)
XML_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<!-- an order -->\n"
    b'<order xmlns:x="urn:x" id="7">'
    b"<item sku='A1'>Widget &amp; co</item><item>Gadget</item>"
    b"<x:note/><qty>3</qty><![CDATA[ignored]]></order>"
)
XML_REQUEST = HttpRequest(
    "POST", "http://app.test/orders", body=XML_BODY, content_type="application/xml"
)


def by_location(request: HttpRequest, location: Location) -> list[tuple[str, str]]:
    return [(p.name, p.value) for p in insertion_points(request) if p.location is location]


def point(request: HttpRequest, location: Location, name: str) -> InsertionPoint:
    for candidate in insertion_points(request):
        if candidate.location is location and candidate.name == name:
            return candidate
    raise AssertionError(f"no {location} {name!r}")


# -- what a request offers ------------------------------------------------------------


def test_query_path_cookie_and_header_points() -> None:
    points = insertion_points(QUERY_REQUEST)
    assert by_location(QUERY_REQUEST, Location.QUERY) == [
        ("q", "shoes"),
        ("page", "2"),
        ("q", "boots"),
        ("empty", ""),
    ]
    assert by_location(QUERY_REQUEST, Location.QUERY_NAME) == [
        ("q", "q"),
        ("page", "page"),
        ("empty", "empty"),
    ]
    assert by_location(QUERY_REQUEST, Location.PATH) == [
        ("0", "api"),
        ("1", "users"),
        ("2", "42"),
        ("3", "orders"),
    ]
    assert by_location(QUERY_REQUEST, Location.COOKIE) == [("session", "abc123"), ("theme", "dark")]
    headers = dict(by_location(QUERY_REQUEST, Location.HEADER))
    assert headers == {
        "Accept": "text/html",
        "User-Agent": DEFAULT_USER_AGENT,
        "Referer": "http://app.test/",
    }
    assert InsertionPoint(Location.HEADER_NAME, EXTRA_HEADER, EXTRA_HEADER) in points


def test_form_points() -> None:
    assert by_location(FORM_REQUEST, Location.FORM) == [
        ("user", "alice"),
        ("pass", "sécret 1"),
        ("remember", ""),
    ]
    assert [n for n, _ in by_location(FORM_REQUEST, Location.FORM_NAME)] == [
        "user",
        "pass",
        "remember",
    ]


def test_multipart_points_skip_files() -> None:
    assert by_location(MULTIPART_REQUEST, Location.FORM) == [("title", "Hello"), ("tags", "a\r\nb")]


def test_json_points_are_pointers_to_every_leaf() -> None:
    assert by_location(JSON_REQUEST, Location.JSON) == [
        ("/user/name", "bob"),
        ("/user/age", "31"),
        ("/user/admin", "false"),
        ("/user/tags/0", "a"),
        ("/user/tags/1", "null"),
        ("/user/tags/2", "2.5"),
        ("/a~1b~0c", "1"),
    ]


def test_xml_points_are_leaf_elements_attributes_and_the_document() -> None:
    assert by_location(XML_REQUEST, Location.XML) == [
        ("/order/@id", "7"),
        ("/order/item/@sku", "A1"),
        ("/order/item", "Widget & co"),
        ("/order/item[2]", "Gadget"),
        ("/order/x:note", ""),
        ("/order/qty", "3"),
    ]
    assert by_location(XML_REQUEST, Location.XML_DOCUMENT) == [("", XML_BODY.decode())]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"a": ' * 5000 + b"1" + b"}" * 5000,
        b"[" + b"9" * 5000 + b"]",
    ],
)
def test_bad_json_gives_no_json_points(body: bytes) -> None:
    request = HttpRequest("POST", "http://app.test/", body=body, content_type="application/json")
    assert by_location(request, Location.JSON) == []


@pytest.mark.parametrize(
    "body",
    [
        b"<a><b></a>",
        b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
        '<?xml version="1.0" encoding="UTF-16"?><a>x</a>'.encode("utf-16"),
        b"<a>" * 100 + b"</a>" * 100,
    ],
)
def test_bad_or_dangerous_xml_keeps_only_the_document_point(body: bytes) -> None:
    request = HttpRequest("POST", "http://app.test/", body=body, content_type="text/xml")
    assert by_location(request, Location.XML) == []
    assert len(by_location(request, Location.XML_DOCUMENT)) == 1


# -- injection examples ---------------------------------------------------------------


def test_query_injection_replaces_the_matching_pair_only() -> None:
    second_q = InsertionPoint(Location.QUERY, "q", "boots")
    result = inject(QUERY_REQUEST, second_q, "x y&z")
    assert result.url == (
        "http://app.test/api/users/42/orders?q=shoes&page=2&q=x%20y%26z&empty=#top"
    )
    appended = inject(QUERY_REQUEST, second_q, "'", append=True)
    assert parse_qsl(urlsplit(appended.url).query)[2] == ("q", "boots'")


def test_missing_query_parameter_is_added() -> None:
    result = inject(QUERY_REQUEST, InsertionPoint(Location.QUERY, "new", ""), "1")
    assert result.url.endswith("&empty=&new=1#top")


def test_json_injection_turns_numbers_into_strings_and_keeps_the_rest() -> None:
    result = inject(
        JSON_REQUEST, point(JSON_REQUEST, Location.JSON, "/user/age"), " OR 1=1", append=True
    )
    document = json.loads(result.body)
    assert document["user"]["age"] == "31 OR 1=1"
    assert document["user"]["admin"] is False
    assert document["a/b~c"] == 1
    assert result.content_type == "application/json"


def test_xml_injection_keeps_the_prolog_and_escapes() -> None:
    result = inject(XML_REQUEST, point(XML_REQUEST, Location.XML, "/order/x:note"), "<b>&")
    assert result.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- an order -->')
    assert b"<x:note>&lt;b&gt;&amp;</x:note>" in result.body
    assert fromstring(result.body).find("{urn:x}note").text == "<b>&"  # type: ignore[union-attr]


def test_xml_document_injection_replaces_the_body_raw() -> None:
    document = point(XML_REQUEST, Location.XML_DOCUMENT, "")
    result = inject(XML_REQUEST, document, "<!DOCTYPE x><x/>")
    assert result.body == b"<!DOCTYPE x><x/>"
    assert result.content_type == "application/xml"


def test_multipart_injection_uses_a_fresh_boundary_everywhere() -> None:
    result = inject(MULTIPART_REQUEST, point(MULTIPART_REQUEST, Location.FORM, "title"), "--XyZ")
    boundary = result.content_type.split("boundary=")[1]
    assert boundary != "XyZ"
    assert result.header("Content-Type") == result.content_type
    fields = _multipart_fields(result)
    assert fields[0] == ("title", None, "--XyZ")
    assert fields[1] == ("upload", "a.txt", "file body")


def test_body_injection_drops_a_stale_content_length() -> None:
    result = inject(FORM_REQUEST, point(FORM_REQUEST, Location.FORM, "user"), "a much longer name")
    assert result.header("Content-Length") is None
    assert result.header("Content-Type") == FORM


def test_header_and_header_name_injection() -> None:
    agent = inject(QUERY_REQUEST, point(QUERY_REQUEST, Location.HEADER, "User-Agent"), "x'")
    assert agent.header("User-Agent") == "x'"
    named = inject(
        QUERY_REQUEST, point(QUERY_REQUEST, Location.HEADER_NAME, EXTRA_HEADER), "X-Evil"
    )
    assert named.header("X-Evil") == "1"


def test_cookie_injection_encodes_separators() -> None:
    result = inject(QUERY_REQUEST, point(QUERY_REQUEST, Location.COOKIE, "session"), "a;b\r\n")
    assert dict(result.cookies)["session"] == "a%3Bb%0D%0A"
    assert dict(result.cookies)["theme"] == "dark"


# -- properties -----------------------------------------------------------------------

payloads = st.text(max_size=40)
xml_text = st.text(
    st.characters(
        blacklist_categories=["Cs"],
        blacklist_characters=[chr(c) for c in range(0x20) if c not in (9, 10, 13)]
        + ["\ufffe", "\uffff"],
    ),
    max_size=40,
)
printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)


@given(payloads, st.booleans())
def test_query_value_round_trips(payload: str, append: bool) -> None:
    second_q = InsertionPoint(Location.QUERY, "q", "boots")
    result = inject(QUERY_REQUEST, second_q, payload, append=append)
    pairs = parse_qsl(urlsplit(result.url).query, keep_blank_values=True)
    assert pairs[2] == ("q", "boots" + payload if append else payload)
    assert pairs[:2] == [("q", "shoes"), ("page", "2")]


@given(payloads.filter(bool))
def test_query_name_round_trips(payload: str) -> None:
    result = inject(QUERY_REQUEST, InsertionPoint(Location.QUERY_NAME, "page", "page"), payload)
    pairs = parse_qsl(urlsplit(result.url).query, keep_blank_values=True)
    assert pairs[1] == (payload, "2")


@given(payloads, st.sampled_from(["user", "pass", "remember"]))
def test_form_value_round_trips(payload: str, name: str) -> None:
    result = inject(FORM_REQUEST, point(FORM_REQUEST, Location.FORM, name), payload)
    assert dict(parse_qsl(result.body.decode(), keep_blank_values=True))[name] == payload


@given(payloads, st.booleans())
def test_multipart_value_round_trips(payload: str, append: bool) -> None:
    result = inject(
        MULTIPART_REQUEST, point(MULTIPART_REQUEST, Location.FORM, "tags"), payload, append=append
    )
    assert _multipart_fields(result)[2] == ("tags", None, "a\r\nb" + payload if append else payload)


@given(printable.filter(lambda s: s and not set(s) & set('"%\\')))
def test_multipart_name_round_trips(payload: str) -> None:
    result = inject(
        MULTIPART_REQUEST, point(MULTIPART_REQUEST, Location.FORM_NAME, "title"), payload
    )
    assert _multipart_fields(result)[0] == (payload, None, "Hello")


@given(payloads, st.sampled_from(["/user/name", "/user/age", "/user/tags/1", "/a~1b~0c"]))
def test_json_leaf_round_trips(payload: str, pointer: str) -> None:
    result = inject(JSON_REQUEST, point(JSON_REQUEST, Location.JSON, pointer), payload)
    node = json.loads(result.body)
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    assert node == payload


@given(xml_text, st.sampled_from(["/order/item", "/order/item[2]", "/order/x:note", "/order/qty"]))
def test_xml_text_round_trips(payload: str, path: str) -> None:
    result = inject(XML_REQUEST, point(XML_REQUEST, Location.XML, path), payload)
    root = fromstring(result.body)
    elements = {
        "/order/item": root.findall("item")[0],
        "/order/item[2]": root.findall("item")[1],
        "/order/x:note": root.find("{urn:x}note"),
        "/order/qty": root.find("qty"),
    }
    element = elements[path]
    assert element is not None
    assert (element.text or "") == payload


@given(xml_text, st.sampled_from(["/order/@id", "/order/item/@sku"]))
def test_xml_attribute_round_trips(payload: str, path: str) -> None:
    result = inject(XML_REQUEST, point(XML_REQUEST, Location.XML, path), payload)
    root = fromstring(result.body)
    found = root.get("id") if path == "/order/@id" else root.findall("item")[0].get("sku")
    assert found == payload


@given(payloads, st.sampled_from(["0", "2", "3"]), st.booleans())
def test_path_segment_round_trips(payload: str, index: str, append: bool) -> None:
    original = point(QUERY_REQUEST, Location.PATH, index)
    result = inject(QUERY_REQUEST, original, payload, append=append)
    segments = urlsplit(result.url).path.split("/")[1:]
    assert unquote(segments[int(index)]) == (original.value + payload if append else payload)
    assert len(segments) == 4


@given(printable.filter(lambda s: ";" not in s))
def test_cookie_round_trips(payload: str) -> None:
    result = inject(QUERY_REQUEST, point(QUERY_REQUEST, Location.COOKIE, "theme"), payload)
    assert dict(result.cookies)["theme"] == payload


@given(printable, st.sampled_from(["Accept", "Referer"]))
def test_header_round_trips(payload: str, name: str) -> None:
    result = inject(QUERY_REQUEST, point(QUERY_REQUEST, Location.HEADER, name), payload)
    assert result.header(name) == payload


content_types = st.sampled_from(
    [
        "",
        FORM,
        "multipart/form-data; boundary=XyZ",
        "multipart/form-data",
        "application/json",
        "application/vnd.api+json",
        "text/xml; charset=utf-8",
        "application/soap+xml",
        "text/plain",
    ]
)


def _mutations(seed: bytes) -> st.SearchStrategy[bytes]:
    def mutate(data: tuple[int, bytes]) -> bytes:
        position, noise = data
        position %= len(seed) + 1
        return seed[:position] + noise + seed[position + len(noise) :]

    return st.tuples(st.integers(min_value=0), st.binary(max_size=8)).map(mutate)


bodies = st.one_of(
    st.binary(max_size=200),
    _mutations(XML_BODY),
    _mutations(JSON_REQUEST.body),
    _mutations(MULTIPART_BODY),
    _mutations(FORM_REQUEST.body),
)


@given(st.text(max_size=80), bodies, content_types, payloads)
def test_arbitrary_requests_never_raise(
    url: str, body: bytes, content_type: str, payload: str
) -> None:
    request = HttpRequest(
        "POST",
        url,
        headers=(("X-Any", "v"),),
        cookies=(("c", "v"),),
        body=body,
        content_type=content_type,
    )
    for found in insertion_points(request):
        injected = inject(request, found, payload)
        assert isinstance(injected, HttpRequest)
        inject(request, found, payload, append=True)


@given(
    st.from_regex(
        r"https?://[a-z]{1,8}(:[0-9]{1,5})?(/[^?#\s]{0,12}){0,4}(\?[^#\s]{0,30})?", fullmatch=True
    ),
    payloads,
)
def test_url_points_round_trip_for_plausible_urls(url: str, payload: str) -> None:
    request = HttpRequest("GET", url)
    for found in insertion_points(request):
        if found.location is Location.QUERY:
            result = inject(request, found, payload)
            values = [v for n, v in parse_qsl(urlsplit(result.url).query, keep_blank_values=True)]
            assert payload in values


def _multipart_fields(request: HttpRequest) -> list[tuple[str, str | None, str]]:
    """(name, filename, content) of each part, read by the standard library's parser."""
    head = f"Content-Type: {request.content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.body)
    fields = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        content = part.get_payload(decode=True)
        assert isinstance(name, str)
        assert isinstance(content, bytes)
        fields.append(
            (name, filename if isinstance(filename, str) else None, content.decode("utf-8"))
        )
    return fields

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.engine.plan import (
    PointPlanner,
    endpoint_key,
    is_binary_response,
    is_static_asset,
    path_shape,
    path_template,
)
from bastion.dast.model import HttpRequest, HttpResponse, InsertionPoint, Location


@pytest.mark.parametrize(
    ("method", "url", "static"),
    [
        ("GET", "http://h/style.css?v=3", True),
        ("GET", "http://h/img/Logo.PNG", True),
        ("GET", "http://h/app.js", True),
        ("GET", "http://h/search?q=a.css", False),
        ("GET", "http://h/report.php", False),
        ("POST", "http://h/upload.png", False),
        ("GET", "http://h/", False),
    ],
)
def test_static_assets(method: str, url: str, static: bool) -> None:
    assert is_static_asset(HttpRequest(method, url)) is static


@pytest.mark.parametrize(
    ("content_type", "body", "binary"),
    [
        ("image/png", b"\x89PNG", True),
        ("application/octet-stream; x=1", b"", True),
        ("text/html; charset=utf-8", b"<p>", False),
        ("application/json", b"{}", False),
        ("", b"\x00\x01\x02", True),
        ("", b"plain", False),
    ],
)
def test_binary_responses(content_type: str, body: bytes, binary: bool) -> None:
    headers = (("Content-Type", content_type),) if content_type else ()
    response = HttpResponse(url="http://h/", status=200, headers=headers, body=body, elapsed=0)
    assert is_binary_response(response) is binary


def test_path_template_wildcards_one_segment() -> None:
    assert path_template("/blog/post-1", 1) == "/blog/*"
    assert path_template("/blog/post-1", 0) == "/*/post-1"
    assert path_template("/blog/post-1", 7) == "/blog/post-1"


def point(location: Location, name: str) -> InsertionPoint:
    return InsertionPoint(location, name, "v")


def test_planner_keeps_query_points_and_probes_endpoint_points_once() -> None:
    planner = PointPlanner()
    header, cookie = point(Location.HEADER, "User-Agent"), point(Location.COOKIE, "sid")
    query = point(Location.QUERY, "q")
    first = planner.select(HttpRequest("GET", "http://h/a?q=1"), [query, header, cookie])
    again = planner.select(HttpRequest("GET", "http://h/a?q=2&x=1"), [query, header, cookie])
    other = planner.select(HttpRequest("GET", "http://h/b?q=1"), [query, header, cookie])
    posted = planner.select(HttpRequest("POST", "http://h/a"), [header])
    assert first == [query, header, cookie]
    assert again == [query]
    assert other == [query, header, cookie]
    assert posted == [header]


def test_headers_are_probed_once_for_pages_that_differ_only_in_numbers() -> None:
    planner = PointPlanner()
    header = point(Location.HEADER, "Referer")
    assert planner.select(HttpRequest("GET", "http://h/shop/p17"), [header]) == [header]
    assert planner.select(HttpRequest("GET", "http://h/shop/p18"), [header]) == []
    assert planner.select(HttpRequest("GET", "http://h/shop/cart"), [header]) == [header]
    assert path_shape("/s3/p17/9f86d081884c7d659a2feaa0c55ad015") == "/s0/p0/0"


def test_planner_probes_a_varying_path_segment_once() -> None:
    planner = PointPlanner()
    segment = point(Location.PATH, "1")
    assert planner.select(HttpRequest("GET", "http://h/blog/post-1"), [segment]) == [segment]
    assert planner.select(HttpRequest("GET", "http://h/blog/post-2"), [segment]) == []
    assert planner.select(HttpRequest("GET", "http://h/news/post-2"), [segment]) == [segment]


@given(st.text(), st.integers(min_value=-3, max_value=10))
def test_path_template_never_raises(path: str, index: int) -> None:
    assert isinstance(path_template(path, index), str)


@given(st.text(), st.sampled_from(["GET", "POST", "get"]))
def test_url_helpers_never_raise_on_odd_urls(url: str, method: str) -> None:
    request = HttpRequest(method, url)
    is_static_asset(request)
    assert len(endpoint_key(request)) == 3
    planner = PointPlanner()
    points = [point(Location.PATH, "0"), point(Location.PATH, "x"), point(Location.HEADER, "A")]
    assert len(planner.select(request, points)) == 3

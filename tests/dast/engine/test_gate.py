from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.engine.gate import gate_payload, is_stable, normalise, reads_point
from bastion.dast.model import HttpResponse, InsertionPoint, Location


def answer(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse("http://h/", status, (("Content-Type", "text/html"),), body.encode(), 0.0)


def test_counters_and_tokens_do_not_make_a_page_unstable() -> None:
    first = answer("<p>42 visitors</p><input name=csrf value=Zx8aPq93kLm02Bv7Yt5Wr1>")
    second = answer("<p>43 visitors</p><input name=csrf value=Q1w2E3r4T5y6U7i8O9p0Aa>")
    assert is_stable(first, second)
    assert not is_stable(first, answer("<p>43 visitors</p><p>hello</p>"))
    assert not is_stable(first, answer(first.text, status=500))


def test_what_shows_that_a_value_was_read() -> None:
    baseline = answer("<p>Language: en</p>")
    marker = "bzabcx1"
    payload = gate_payload(InsertionPoint(Location.COOKIE, "lang", "en"), marker)
    assert payload == marker + "'\"<"
    assert reads_point(baseline, answer(f"<p>Language: en{marker}&#39;</p>"), marker, payload)
    assert reads_point(baseline, answer("<p>SQL error</p>", status=500), marker, payload)
    assert reads_point(baseline, answer("<p>Welcome</p>"), marker, payload)
    assert not reads_point(baseline, answer("<p>Language: en</p>"), marker, payload)


def test_header_names_get_only_the_marker() -> None:
    point = InsertionPoint(Location.HEADER_NAME, "X-Bastion", "X-Bastion")
    assert gate_payload(point, "bzabcx1") == "bzabcx1"


@given(st.binary(max_size=300), st.text(max_size=20))
def test_normalise_never_raises(body: bytes, remove: str) -> None:
    response = HttpResponse("http://h/", 200, (), body, 0.0)
    status, text = normalise(response, remove=remove)
    assert status == 200
    assert isinstance(text, str)

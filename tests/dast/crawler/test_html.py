"""Links, frames, meta refresh, scripts and forms with every kind of control."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from bastion.dast.crawler.forms import BOUNDARY, EMAIL, PASSWORD, default_value, form_requests
from bastion.dast.crawler.html import MULTIPART, LinkKind, parse_page

PAGE = "http://site.test/dir/page.html?x=1"

LINKS = """<html><head>
<link rel=canonical href="/canonical">
<meta http-equiv="Refresh" content="3; URL='/refreshed'">
<script src="/static/app.js"></script>
<script>var api = "/api/inline";</script>
</head><body>
<a href="relative">rel</a> <a href="/abs#frag">abs</a> <a href="https://other.test/x">other</a>
<a href="mailto:a@b.c">mail</a> <a href="#top">top</a> <a href="javascript:go('/js-link')">js</a>
<map><area href="/area" alt=""></map>
<iframe src="/framed"></iframe> <frameset><frame src="frame.html"></frameset>
<div data-url="/data-url"></div>
<button onclick="location='/from-handler'">go</button>
</body></html>"""


def test_links_of_every_kind_are_found_and_resolved() -> None:
    page = parse_page(LINKS, PAGE)
    found = {(link.url, link.kind) for link in page.links}
    assert ("http://site.test/dir/relative", LinkKind.ANCHOR) in found
    assert ("http://site.test/abs", LinkKind.ANCHOR) in found  # fragment dropped
    assert ("https://other.test/x", LinkKind.ANCHOR) in found  # scope is the crawler's job
    assert ("http://site.test/area", LinkKind.ANCHOR) in found
    assert ("http://site.test/canonical", LinkKind.LINK) in found
    assert ("http://site.test/framed", LinkKind.FRAME) in found
    assert ("http://site.test/data-url", LinkKind.ANCHOR) in found
    assert ("http://site.test/refreshed", LinkKind.REFRESH) in found
    assert not any(link.url.startswith("mailto") for link in page.links)
    assert page.scripts == ("http://site.test/static/app.js",)
    joined = "\n".join(page.inline_scripts)
    assert "/api/inline" in joined
    assert "/js-link" in joined
    assert "/from-handler" in joined


def test_base_href_resolves_relative_links() -> None:
    page = parse_page('<base href="/base/"><a href="x">x</a>', PAGE)
    assert [link.url for link in page.links] == ["http://site.test/base/x"]


def test_meta_refresh_without_url_is_not_a_link() -> None:
    page = parse_page('<meta http-equiv="refresh" content="30">', PAGE)
    assert page.links == ()


ALL_CONTROLS = """
<form action="/submit" method="post">
  <input type="hidden" name="csrf" value="tok3n">
  <input name="plain">
  <input type="text" name="prefilled" value="kept">
  <input type="email" name="contact">
  <input type="number" name="qty" min="5">
  <input type="password" name="pw">
  <input type="date" name="when">
  <input type="url" name="site">
  <input type="tel" name="phone">
  <input type="checkbox" name="agree" value="yes">
  <input type="checkbox" name="news" checked>
  <input type="radio" name="size" value="s">
  <input type="radio" name="size" value="m" checked>
  <input type="text" name="off" disabled>
  <input type="text" name="short" maxlength="3">
  <select name="colour"><option value="r">Red</option><option selected>Green</option></select>
  <select name="empty"></select>
  <textarea name="comment"></textarea>
  <textarea name="bio">hello</textarea>
  <input type="reset" name="reset">
  <button type="button" name="nothing">x</button>
  <button type="submit" name="action" value="save">Save</button>
  <button type="submit" name="action" value="delete" formaction="/delete">Delete</button>
</form>
<input form="outside" name="linked" value="v">
<form id="outside" action="/outside"></form>
"""


def test_forms_collect_every_control_kind() -> None:
    page = parse_page(ALL_CONTROLS, PAGE)
    assert len(page.forms) == 2
    form = page.forms[0]
    assert form.method == "POST"
    assert form.action == "http://site.test/submit"
    assert form.has_password
    names = [c.name for c in form.controls]
    assert "off" not in names  # disabled controls are not submitted
    assert "reset" not in names
    assert "nothing" not in names
    # form="outside" associates a control outside the form element.
    assert [c.name for c in page.forms[1].controls] == ["linked"]

    first, second = form_requests(form)
    assert first.method == "POST"
    assert first.content_type == "application/x-www-form-urlencoded"
    fields = parse_qsl(first.body.decode(), keep_blank_values=True)
    values = dict(fields)
    assert values["csrf"] == "tok3n"
    assert values["prefilled"] == "kept"
    assert values["contact"] == EMAIL
    assert values["qty"] == "5"  # the minimum, when there is one
    assert values["pw"] == PASSWORD
    assert values["when"] == "2024-01-01"
    assert values["site"].startswith("https://")
    assert values["phone"].isdigit()
    assert values["agree"] == "yes"
    assert values["news"] == "on"
    assert [v for k, v in fields if k == "size"] == ["m"]  # the checked radio only
    assert len(values["short"]) <= 3
    assert values["colour"] == "Green"  # selected option, value from its text
    assert values["empty"] == ""
    assert values["comment"]
    assert values["bio"] == "hello"
    assert values["action"] == "save"  # the first submit button
    # The button with formaction submits elsewhere: a second request.
    assert second.url == "http://site.test/delete"
    assert dict(parse_qsl(second.body.decode()))["action"] == "delete"


def test_get_forms_replace_the_action_query() -> None:
    html = '<form action="/search?old=1"><input name="q"><input type="submit" value="Go"></form>'
    (request,) = form_requests(parse_page(html, PAGE).forms[0])
    assert request.method == "GET"
    parts = urlsplit(request.url)
    assert parts.path == "/search"
    assert parse_qsl(parts.query) == [("q", "bastion")]
    assert request.body == b""


def test_a_form_without_action_submits_to_its_page() -> None:
    (form,) = parse_page('<form method="POST"><input name="a"></form>', PAGE).forms
    assert form.action == PAGE


def test_multipart_forms_encode_files_and_fields() -> None:
    html = (
        '<form method="post" enctype="multipart/form-data" action="/upload">'
        '<input type="file" name="doc"><input name="title" value="T">'
        '<input type="image" name="go" src="/i.png"></form>'
    )
    (form,) = parse_page(html, PAGE).forms
    assert form.enctype == MULTIPART
    (request,) = form_requests(form)
    assert request.content_type == f"multipart/form-data; boundary={BOUNDARY}"
    body = request.body.decode()
    assert 'name="doc"; filename="bastion.txt"' in body
    assert 'name="title"\r\n\r\nT\r\n' in body
    assert 'name="go.x"' in body
    assert 'name="go.y"' in body
    assert body.endswith(f"--{BOUNDARY}--\r\n")


def test_dialog_forms_are_skipped() -> None:
    assert parse_page('<form method="dialog"><input name="a"></form>', PAGE).forms == ()


def test_default_values_follow_type_and_name() -> None:
    assert default_value("text", "user_email") == EMAIL
    assert default_value("number", "n") == "1"
    assert default_value("range", "n", "7") == "7"
    assert default_value("text", "zip") == "12345"
    assert default_value("text", "message") == "bastion"
    assert default_value("text", "account") == "bastion"


html_fragments = st.lists(
    st.text(max_size=20)
    | st.sampled_from(
        [
            "<form",
            "</form>",
            "<input",
            "<select",
            "<option",
            "<textarea>",
            "<button",
            "<a href=",
            "<base href=",
            "<meta http-equiv=refresh content=",
            "<iframe src=",
            "<script>",
            "</script>",
            " name=",
            " type=",
            " value=",
            " action=",
            " method=post",
            " enctype=multipart/form-data",
            " form=",
            " id=",
            " formaction=",
            " selected",
            " checked",
            ">",
            '"',
            "'",
            "/x?y=1",
            "http://[::1",
            "javascript:",
            "\x00",
        ]
    )
)


@given(st.text(max_size=2000))
def test_arbitrary_text_never_breaks_the_parser(text: str) -> None:
    page = parse_page(text, PAGE)
    for form in page.forms:
        form_requests(form)


@given(html_fragments, st.sampled_from([PAGE, "http://h/", "https://[::1]:8443/a/b"]))
def test_tag_soup_never_breaks_the_parser(parts: list[str], url: str) -> None:
    page = parse_page("".join(parts), url)
    for link in page.links:
        assert link.url.startswith(("http://", "https://"))
        assert "#" not in link.url
    for form in page.forms:
        for request in form_requests(form):
            assert request.method in {"GET", "POST"}

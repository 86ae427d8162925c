"""The browser crawl in headless Chromium: one launch for the whole module (each costs
a second or two)."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from bastion.dast.crawler.crawl import CrawlResult
from bastion.dast.model import InputSource, ScanStats
from tests.dast.crawler.conftest import _Server, find, options_for, run_crawl
from tests.dast.crawler.sites import Log, other_site

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file() and shutil.which("chromium") is None,
    reason=f"no Chromium at {CHROMIUM}: the browser crawl drives the system's Chromium",
)

APP_PAGE = """<!doctype html><html><body>
<button onclick="sendNote()">Send note</button>
<button id="save" onclick="save()">Save</button>
<div role="button" onclick="fetch('{other}/tracker', {{method: 'POST'}})">Track</div>
<button onclick="fetch('/api/logout', {{method: 'POST'}})">Log out</button>
<form action="/subscribe" method="post"><input name="email" type="email">
  <input type="submit" value="Subscribe"></form>
<script>
document.cookie = "fromjs=1";
function sendNote() {{
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/js-form";
  const note = document.createElement("input");
  note.name = "note";
  note.value = "hi";
  form.appendChild(note);
  document.body.appendChild(form);
  form.submit();
}}
function save() {{
  const payload = ["/api", "items"].join("/");
  fetch(payload, {{method: "POST", headers: {{"Content-Type": "application/json",
    "X-Csrf-Token": "c5rf"}}, body: JSON.stringify({{name: document.title, qty: 2}})}});
  const xhr = new XMLHttpRequest();
  xhr.open("PUT", "/api/" + "doc");
  xhr.setRequestHeader("Content-Type", "application/xml");
  xhr.send("<doc><title>hello</title></doc>");
}}
</script></body></html>"""


@pytest.fixture(scope="module")
def crawled() -> tuple[CrawlResult, ScanStats, Log, Log, str]:
    # Module scope: one Chromium start for every assertion below.
    log, other_log = Log(), Log()
    servers = _Servers()
    other = servers.start(other_site(other_log))

    async def page(request: Request) -> Response:
        log.requests.append(
            (request.method, request.url.path, request.headers.get("cookie", ""), b"")
        )
        if request.url.path == "/":
            return HTMLResponse(
                APP_PAGE.format(other=other), headers={"Set-Cookie": "sid=s1; HttpOnly"}
            )
        return PlainTextResponse("ok")

    site = servers.start(
        Starlette(routes=[Route("/{p:path}", page, methods=["GET", "POST", "PUT"])])
    )
    try:
        result, stats = run_crawl(options_for(site + "/", browser=True, chromium_path=CHROMIUM))
    finally:
        servers.stop()
    return result, stats, log, other_log, site


class _Servers:
    """The ``serve`` fixture is function-scoped; this module needs its servers once."""

    def __init__(self) -> None:
        self._servers: list[_Server] = []

    def start(self, app: Starlette) -> str:
        server = _Server(app)
        self._servers.append(server)
        return server.start()

    def stop(self) -> None:
        for server in self._servers:
            server.stop()


def test_a_click_records_fetch_json_and_xhr_xml(
    crawled: tuple[CrawlResult, ScanStats, Log, Log, str],
) -> None:
    result, stats, _, _, site = crawled
    assert not [note for note in stats.notes if note.startswith("browser:")], stats.notes
    (items,) = find(result.inputs, "POST", "/api/items")
    assert items.source is InputSource.BROWSER
    assert items.page == f"{site}/"
    assert items.request.content_type == "application/json"
    assert orjson.loads(items.request.body) == {"name": "", "qty": 2}
    assert items.request.header("x-csrf-token") == "c5rf"
    assert items.request.header("user-agent") is None  # browser noise is dropped
    assert ("sid", "s1") in items.request.cookies
    assert ("fromjs", "1") in items.request.cookies
    (doc,) = find(result.inputs, "PUT", "/api/doc")
    assert doc.request.content_type == "application/xml"
    assert doc.request.body == b"<doc><title>hello</title></doc>"


def test_out_of_scope_and_logout_requests_are_never_sent(
    crawled: tuple[CrawlResult, ScanStats, Log, Log, str],
) -> None:
    result, _, log, other_log, _ = crawled
    assert other_log.requests == []
    assert not log.hit("/api/logout")
    assert not [i for i in result.inputs if "logout" in i.request.url]


def test_a_navigation_is_recorded_and_the_page_stays(
    crawled: tuple[CrawlResult, ScanStats, Log, Log, str],
) -> None:
    result, _, log, _, _ = crawled
    (note,) = find(result.inputs, "POST", "/js-form")
    assert note.source is InputSource.BROWSER
    assert note.request.body == b"note=hi"
    assert note.request.content_type == "application/x-www-form-urlencoded"
    # Answered inside the browser (204), so the page stayed for the next click: the
    # site saw the page once from the crawler and once from the browser, no reload.
    assert "/js-form" not in log.paths("POST")
    assert log.paths("GET").count("/") == 2

"""A single-page app whose requests only JavaScript makes: four buttons post JSON
(preview: CWE-79, orders: CWE-89) and XML (user lookup: CWE-643, item import: CWE-611),
each beside a button for its safe twin.

Nothing is sent until a button is clicked, so only a crawler that runs the script and
clicks finds the bodies. Two URLs are plain string literals in ``/static/app.js`` (a
string-extracting crawler finds the URL, not the body); the others are put together at
run time and never appear whole in the source.
"""

from __future__ import annotations

import html
import json
import sqlite3
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.sqli import sql_error
from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import page

APP_PAGE = """
<p>Type, then press a button.</p>
<textarea id="text">Hello there</textarea>
<input id="customer" value="alice"><input id="user" value="alice">
<p>
<button id="preview">Preview</button><button id="preview-safe">Preview (safe)</button>
<button id="orders">My orders</button><button id="orders-safe">My orders (safe)</button>
<button id="lookup">Look up user</button><button id="lookup-safe">Look up user (safe)</button>
<button id="import">Import items</button><button id="import-safe">Import items (safe)</button>
</p>
<div id="out"></div>
<script src="/static/app.js"></script>
"""

APP_JS = r"""
(function () {
  'use strict';
  function value(id) { return document.getElementById(id).value; }
  function show(text) { document.getElementById('out').innerHTML = text; }
  function xml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }
  function sendJson(url, payload) {
    fetch(url, {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(payload)
    }).then(function (r) { return r.text(); }).then(show);
  }
  function sendXml(url, body) {
    var request = new XMLHttpRequest();
    request.open('POST', url);
    request.setRequestHeader('Content-Type', 'application/xml');
    request.onload = function () { show(request.responseText); };
    request.send(body);
  }
  function on(id, handler) { document.getElementById(id).addEventListener('click', handler); }

  on('preview', function () { sendJson('/xhr/preview', {text: value('text')}); });
  on('preview-safe', function () { sendJson('/xhr/preview-safe', {text: value('text')}); });
  on('lookup', function () {
    sendXml('/xhr/user-lookup', '<lookup><name>' + xml(value('user')) + '</name></lookup>');
  });
  on('lookup-safe', function () {
    sendXml('/xhr/user-lookup-safe', '<lookup><name>' + xml(value('user')) + '</name></lookup>');
  });

  // Built at run time: these URLs appear nowhere as one string.
  var xhr = ['', 'xhr', ''].join('/');
  var items = ['', 'xml', 'import'].join('/');
  on('orders', function () { sendJson(xhr + 'orders', {customer: value('customer'), limit: 10}); });
  on('orders-safe', function () {
    sendJson(xhr + 'orders' + '-safe', {customer: value('customer'), limit: 10});
  });
  var doc = '<items><item><name>Rake</name><qty>1</qty></item></items>';
  on('import', function () { sendXml(items, doc); });
  on('import-safe', function () { sendXml(items + '-safe', doc); });
})();
"""


class BadJson(ValueError):
    pass


async def json_object(request: Request) -> dict[str, object]:
    try:
        data = json.loads(await request.body())
    except ValueError as error:
        raise BadJson(f"invalid JSON: {error}") from error
    if not isinstance(data, dict):
        raise BadJson("expected a JSON object")
    return data


def routes(state: AppState) -> list[BaseRoute]:
    def preview(encode: Callable[[str], str]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                data = await json_object(request)
            except BadJson as error:
                return JSONResponse({"error": str(error)}, status_code=400)
            text = str(data.get("text", ""))
            return HTMLResponse(f"<p class='preview'>{encode(text)}</p>")

        return endpoint

    def orders(safe: bool) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                data = await json_object(request)
            except BadJson as error:
                return JSONResponse({"error": str(error)}, status_code=400)
            customer = str(data.get("customer", ""))
            try:
                if safe:
                    rows = state.shop.query(
                        "SELECT id, item FROM orders WHERE customer = ?", (customer,)
                    )
                else:
                    rows = state.shop.query(
                        f"SELECT id, item FROM orders WHERE customer = '{customer}'"
                    )
            except sqlite3.Error as error:
                return JSONResponse({"error": sql_error(error)}, status_code=500)
            return JSONResponse({"orders": [{"id": row[0], "item": row[1]} for row in rows]})

        return endpoint

    def app_page(_: Request) -> Response:
        return page("Shop app", APP_PAGE)

    def app_js(_: Request) -> Response:
        return Response(APP_JS, media_type="text/javascript")

    return [
        Route("/app", app_page),
        Route("/static/app.js", app_js),
        Route("/xhr/preview", preview(lambda text: text), methods=["POST"]),
        Route("/xhr/preview-safe", preview(html.escape), methods=["POST"]),
        Route("/xhr/orders", orders(safe=False), methods=["POST"]),
        Route("/xhr/orders-safe", orders(safe=True), methods=["POST"]),
    ]

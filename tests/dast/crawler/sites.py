"""Small web sites for the crawler tests; each records the requests it received."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

DEFINITIONS = Path(__file__).parent / "definitions"


@dataclass
class Log:
    """What a site received: (method, path with query, cookie header, body)."""

    requests: list[tuple[str, str, str, bytes]] = field(default_factory=list)

    def paths(self, method: str | None = None) -> list[str]:
        return [path for m, path, _, _ in self.requests if method is None or m == method]

    def hit(self, prefix: str) -> bool:
        return any(path.startswith(prefix) for path in self.paths())


def html(body: str, **headers: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html><body>{body}</body></html>", headers=headers)


HOME = """
<a href="/about">About</a>
{products}
<a href="/item/1">one</a> <a href="/item/2">two</a>
<a href="{other}/elsewhere">elsewhere</a>
<a href="/account/logout">Sign out</a> <a href="/bye">Log out</a>
<a href="/admin/secret">admin</a>
<a href="/deep/1">deep</a>
<a href="/needs-cookie">cookie check</a>
<img src="/img/logo.png"> <a href="/files/manual.pdf">manual</a>
<iframe src="/framed"></iframe>
<a href="/refresh">refresh</a> <a href="/redirect">redirect</a> <a href="/loop-a">loop</a>
<a href="/blob">blob</a>
<form action="/search"><input name="q"><input type="submit" value="Search"></form>
<form action="/contact" method="post">
  <input type="hidden" name="token" value="t1">
  <input type="email" name="email"><textarea name="message"></textarea>
  <select name="topic"><option value="sales">Sales</option></select>
  <button name="send" value="1">Send</button>
</form>
<form action="/upload" method="post" enctype="multipart/form-data">
  <input type="file" name="doc"><input name="title">
</form>
<script src="/static/app.js"></script>
<script>document.getElementById('x') && fetch('/api/cart', {{method: 'POST',
  headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify({{id: 1}})}});</script>
"""

APP_JS = """
fetch("/api/from-js?x=1").then(r => r.json());
var xhr = new XMLHttpRequest(); xhr.open('POST', '/api/xhr'); xhr.send('a=1&b=2');
"""


def shop(log: Log, other: str = "http://127.0.0.1:9") -> Starlette:
    async def record(request: Request) -> None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        log.requests.append(
            (request.method, path, request.headers.get("cookie", ""), await request.body())
        )

    async def page(request: Request) -> Response:
        await record(request)
        path = request.url.path
        if path == "/":
            products = " ".join(f'<a href="/products?id={n}">p{n}</a>' for n in range(30))
            return html(
                HOME.format(products=products, other=other),
                **{"Set-Cookie": "visited=yes; Secure; HttpOnly; Domain=elsewhere.test; Path=/x"},
            )
        if path == "/robots.txt":
            return PlainTextResponse(
                "User-agent: *\nDisallow: /hidden-from-robots/\nSitemap: /sitemap-custom.xml\n"
            )
        if path == "/sitemap-custom.xml":
            return Response(
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<url><loc>{request.base_url}from-sitemap</loc></url></urlset>",
                media_type="application/xml",
            )
        if path == "/sitemap.xml":
            return PlainTextResponse("not here", status_code=404)
        if path == "/static/app.js":
            return Response(APP_JS, media_type="application/javascript")
        if path.startswith("/deep/"):
            level = int(path.rsplit("/", 1)[-1])
            return html(f'<a href="/deep/{level + 1}">deeper</a>')
        if path == "/needs-cookie":
            if "visited=yes" in request.headers.get("cookie", ""):
                return html('<a href="/cookie-ok">welcome back</a>')
            return html("who are you?")
        if path == "/framed":
            return html('<a href="/from-frame">in a frame</a>')
        if path == "/refresh":
            return HTMLResponse(
                '<html><head><meta http-equiv="refresh" content="0; url=/refreshed"></head></html>'
            )
        if path == "/redirect":
            return RedirectResponse("/landing?from=redirect", status_code=302)
        if path == "/loop-a":
            return RedirectResponse("/loop-b", status_code=302)
        if path == "/loop-b":
            return RedirectResponse("/loop-a", status_code=302)
        if path == "/blob":
            return Response(b"\x89PNG\r\n\x1a\n" + bytes(100), media_type="image/png")
        if path == "/api/from-js":
            return Response('{"ok": true}', media_type="application/json")
        if path in {"/contact", "/upload"}:
            return html('<a href="/thanks">thanks</a>')
        if path.startswith(("/hidden-from-robots/", "/from-sitemap", "/search", "/landing")):
            return html(f"<p>{path}</p>")
        if path in {"/about", "/cookie-ok", "/from-frame", "/refreshed", "/thanks"}:
            return html("<p>static page</p>")
        if path.startswith(("/products", "/item/", "/admin/")):
            return html("<p>item</p>")
        return PlainTextResponse("not found", status_code=404)

    return Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST", "PUT"])])


def other_site(log: Log) -> Starlette:
    async def page(request: Request) -> Response:
        log.requests.append((request.method, request.url.path, "", b""))
        return html("<p>another origin</p>")

    return Starlette(routes=[Route("/{path:path}", page)])


LOGIN_FORM = """<form method="post" action="/login">
<input type="hidden" name="csrf" value="{token}">
<input name="username"><input type="password" name="password">
<input type="submit" value="Sign in"></form>"""


def members(log: Log) -> Starlette:
    """Everything but /login needs the session cookie that a correct login sets; the login
    form carries a CSRF token tied to a pre-session cookie."""

    async def page(request: Request) -> Response:
        body = await request.body()
        cookie = request.headers.get("cookie", "")
        log.requests.append((request.method, request.url.path, cookie, body))
        path = request.url.path
        if path == "/login" and request.method == "GET":
            return html(LOGIN_FORM.format(token="tok-123"), **{"Set-Cookie": "pre=tok-123"})
        if path == "/login":
            fields = dict(parse_qsl(body.decode()))
            good = (
                fields.get("csrf") == "tok-123"
                and "pre=tok-123" in cookie
                and fields.get("username") == "alice"
                and fields.get("password") == "s3cret"
            )
            failed: Response = html(LOGIN_FORM.format(token="tok-123"))
            if not good:
                failed.delete_cookie("session")  # a failed login ends any session
                return failed
            response: Response = RedirectResponse("/dashboard", status_code=303)
            response.set_cookie("session", "alice-session", httponly=True, secure=True)
            return response
        if "session=alice-session" not in cookie:
            return RedirectResponse("/login", status_code=302)
        if path in {"/", "/dashboard"}:
            return html('<a href="/members/profile?tab=1">profile</a> <a href="/logout">Logout</a>')
        if path == "/members/profile":
            return html(
                '<a href="/members/settings">settings</a> <form method="post" action="/login">'
                '<input name="username"><input type="password" name="password"></form>'
            )
        if path == "/logout":
            response = html("bye")
            response.delete_cookie("session")
            return response
        return html(f"<p>members only: {path}</p>")

    return Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST"])])


def api_site(log: Log) -> Starlette:
    async def page(request: Request) -> Response:
        log.requests.append((request.method, request.url.path, "", await request.body()))
        if request.url.path == "/docs/openapi.yaml":
            return Response((DEFINITIONS / "petstore-3.yaml").read_bytes(), media_type="text/yaml")
        if request.url.path == "/docs/broken.yaml":
            return Response((DEFINITIONS / "broken.yaml").read_bytes(), media_type="text/yaml")
        return html("<p>api home</p>")

    return Starlette(routes=[Route("/{path:path}", page, methods=["GET", "POST"])])

"""What passive rules see without attacking: response headers, cookies, error pages,
directory listings, CORS answers and files left on the server.

Most of the app sends no security headers at all; ``/secure/`` sends every good one and
``/weak-csp/`` a policy that allows inline scripts. Files that must never be served sit
at the site root (``/.git/HEAD``, ``/.env``…); ``/shop/`` answers any path with a
"not found" page and status 200, so a rule that trusts the status alone is fooled.
"""

from __future__ import annotations

import html
import io
import traceback
import zipfile
from collections.abc import Callable, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import links, page

GOOD_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
WEAK_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' *"
VERSION_HEADERS: Mapping[str, str] = {
    "Server": "Apache/2.4.41 (Ubuntu)",
    "X-Powered-By": "PHP/7.4.3",
}
TRUSTED_ORIGIN = "https://partner.example"

GIT_HEAD = "ref: refs/heads/main\n"
GIT_CONFIG = (
    "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n"
    '[remote "origin"]\n\turl = git@git.example.com:shop/site.git\n'
)
# Obviously fake values: the file's shape is what matters.
DOTENV = "APP_ENV=production\nDB_HOST=db.internal\nDB_PASSWORD=example-not-a-secret\n"
PHP_SOURCE = (
    "<?php\n$pdo = new PDO('mysql:host=db.internal;dbname=shop', 'shop', "
    "getenv('DB_PASSWORD'));\necho render_home($pdo);\n"
)
PUB_FILES = ("readme.txt", "price-list.txt")

SECTION = links(
    [
        ("/secure/", "Pages with every security header"),
        ("/weak-csp/", "A page with a weak Content-Security-Policy"),
        ("/about", "About (server versions in headers)"),
        ("/session/start", "Start a session (cookies)"),
        ("/debug/error?id=abc", "Order lookup (debug error page)"),
        ("/debug/error-safe?id=abc", "Order lookup (generic error page)"),
        ("/pub/", "Public files (directory listing)"),
        ("/docs/", "Documents (listing forbidden)"),
        ("/cors/wildcard", "Partner API: any origin with credentials"),
        ("/cors/reflect", "Partner API: origin reflected"),
        ("/cors/allowlist", "Partner API: allow-listed origin"),
        ("/cors/public", "Partner API: public data"),
        ("/shop/", "Shop"),
    ]
)


def backup_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("site/index.php", PHP_SOURCE)
        archive.writestr("site/.env", DOTENV)
    return buffer.getvalue()


def _directory_listing(path: str, names: tuple[str, ...]) -> str:
    """Apache's ``mod_autoindex`` page, the shape most scanners know."""
    rows = "".join(
        f'<tr><td><a href="{html.escape(name)}">{html.escape(name)}</a></td>'
        "<td>2024-03-01 10:00</td><td>1.2K</td></tr>\n"
        for name in names
    )
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<html>\n<head>\n'
        f"<title>Index of {path}</title>\n</head>\n<body>\n<h1>Index of {path}</h1>\n"
        "<table>\n<tr><th>Name</th><th>Last modified</th><th>Size</th></tr>\n"
        '<tr><td><a href="/">Parent Directory</a></td><td></td><td>-</td></tr>\n'
        f"{rows}</table>\n<address>Apache/2.4.41 (Ubuntu) Server</address>\n</body></html>\n"
    )


def _lookup_order(order_id: str) -> int:
    return int(order_id)


def routes(state: AppState) -> list[BaseRoute]:
    del state  # nothing here keeps state
    zip_bytes = backup_zip()

    def with_headers(title: str, body: str, headers: Mapping[str, str]) -> Callable[..., Response]:
        def endpoint(_: Request) -> Response:
            return page(title, body, headers=dict(headers))

        return endpoint

    def session_start(_: Request) -> Response:
        response = page("Session", "<p>Welcome! Your session has started.</p>")
        # Each cookie lacks exactly one flag, so each rule has exactly one finding here.
        response.set_cookie("sid", "s-1f2e3d", path="/", httponly=True, samesite="lax")
        response.set_cookie("ui_prefs", "compact", path="/", secure=True, samesite="lax")
        response.set_cookie("tracker", "t-42", path="/", secure=True, httponly=True, samesite=None)
        response.set_cookie(
            "auth", "a-9c8b", path="/", secure=True, httponly=True, samesite="strict"
        )
        return response

    def debug_error(request: Request) -> Response:
        try:
            order = _lookup_order(request.query_params.get("id", ""))
        except ValueError:
            # The debug-mode mistake: the whole traceback goes to the client.
            trace = traceback.format_exc()
            return page("Server error", f"<pre>{html.escape(trace)}</pre>", status=500)
        return page("Order", f"<p>Order {order} is on its way.</p>")

    def debug_error_safe(request: Request) -> Response:
        try:
            order = _lookup_order(request.query_params.get("id", ""))
        except ValueError:
            return page("Server error", "<p>Something went wrong.</p>", status=500)
        return page("Order", f"<p>Order {order} is on its way.</p>")

    def cors(policy: str) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            origin = request.headers.get("origin")
            headers: dict[str, str] = {}
            if policy == "wildcard":
                headers = {
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Credentials": "true",
                }
            elif origin and (
                policy == "reflect" or (policy == "allowlist" and origin == TRUSTED_ORIGIN)
            ):
                headers = {
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Credentials": "true",
                    "Vary": "Origin",
                }
            elif policy == "public":
                headers = {"Access-Control-Allow-Origin": "*"}
            return JSONResponse({"partner": "alice", "balance": 120}, headers=headers)

        return endpoint

    def pub(_: Request) -> Response:
        return Response(_directory_listing("/pub", PUB_FILES), media_type="text/html")

    def pub_file(request: Request) -> Response:
        name = str(request.path_params["name"])
        if name not in PUB_FILES:
            return PlainTextResponse("Not Found", status_code=404)
        return PlainTextResponse(f"{name}: public information.\n")

    def docs(_: Request) -> Response:
        return page(
            "Forbidden", "<p>You don't have permission to access this resource.</p>", status=403
        )

    def shop(_: Request) -> Response:
        return page(
            "Shop",
            "<p>Our products.</p>"
            + links(
                [
                    ("/shop/backup.zip", "Catalogue archive"),
                    ("/shop/.env", "Settings"),
                    ("/shop/.git/HEAD", "Version"),
                ]
            ),
        )

    def soft_not_found(_: Request) -> Response:
        # Status 200 for a page that does not exist, as many CMSs do.
        return page("Page not found", "<p>Sorry, we could not find that page.</p>")

    def file(content: str | bytes, media_type: str) -> Callable[[Request], Response]:
        def endpoint(_: Request) -> Response:
            return Response(content, media_type=media_type)

        return endpoint

    return [
        Route("/passive/", with_headers("Passive checks", SECTION, {})),
        Route(
            "/secure/", with_headers("Secure", links([("/secure/about", "About")]), GOOD_HEADERS)
        ),
        Route(
            "/secure/about", with_headers("About (secure)", "<p>Every header.</p>", GOOD_HEADERS)
        ),
        Route(
            "/weak-csp/",
            with_headers(
                "Weak policy",
                "<p>Inline scripts allowed.</p>",
                {**GOOD_HEADERS, "Content-Security-Policy": WEAK_CSP},
            ),
        ),
        Route("/about", with_headers("About", "<p>Since 1999.</p>", VERSION_HEADERS)),
        Route("/session/start", session_start),
        Route("/debug/error", debug_error),
        Route("/debug/error-safe", debug_error_safe),
        Route("/cors/wildcard", cors("wildcard")),
        Route("/cors/reflect", cors("reflect")),
        Route("/cors/allowlist", cors("allowlist")),
        Route("/cors/public", cors("public")),
        Route("/pub/", pub),
        Route("/pub/{name}", pub_file),
        Route("/docs/", docs),
        Route("/shop/", shop),
        Route("/shop/{rest:path}", soft_not_found),
        Route("/.git/HEAD", file(GIT_HEAD, "text/plain")),
        Route("/.git/config", file(GIT_CONFIG, "text/plain")),
        Route("/.env", file(DOTENV, "text/plain")),
        Route("/backup.zip", file(zip_bytes, "application/zip")),
        Route("/index.php.bak", file(PHP_SOURCE, "application/octet-stream")),
    ]

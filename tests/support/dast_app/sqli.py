"""SQL injection (CWE-89) on a real SQLite database: error-based pages that show the
driver's message, a boolean-based page that hides errors behind the "nothing found"
answer, and parameterised twins. Output is always HTML-escaped: these pages are
injectable into SQL only."""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import body_fields, field, links, page

SECTION = (
    links(
        [
            ("/sqli/product?id=1", "Product 1"),
            ("/sqli/product-safe?id=1", "Product 1 (safe)"),
            ("/sqli/items?category=books", "Books"),
            ("/sqli/items-safe?category=books", "Books (safe)"),
            ("/sqli/visits", "How often has my browser visited? (User-Agent)"),
            ("/sqli/visits-safe", "How often has my browser visited? (safe)"),
        ]
    )
    + """
<h2>Sign in</h2>
<form action="/sqli/login" method="post">
<input name="username" value="alice"><input type="password" name="password" value="secret">
<button>Sign in</button></form>
<form action="/sqli/login-safe" method="post">
<input name="username" value="alice"><input type="password" name="password" value="secret">
<button>Sign in (safe)</button></form>
"""
)


def sql_error(error: sqlite3.Error) -> str:
    """The message a careless app shows, e.g. ``sqlite3.OperationalError: near "'": …``."""
    return f"{type(error).__module__}.{type(error).__name__}: {error}"


def error_page(error: sqlite3.Error) -> Response:
    return page("Database error", f"<pre>{html.escape(sql_error(error))}</pre>", status=500)


def routes(state: AppState) -> list[BaseRoute]:
    shop = state.shop

    def product(safe: bool) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            product_id = request.query_params.get("id", "1")
            try:
                if safe:
                    rows = shop.query(
                        "SELECT name, price FROM products WHERE id = ?", (product_id,)
                    )
                else:
                    rows = shop.query(f"SELECT name, price FROM products WHERE id = {product_id}")
            except sqlite3.Error as error:
                return error_page(error)
            if not rows:
                return page("Product", "<p>No such product.</p>")
            body = "".join(
                f"<p>{html.escape(str(name))}: {html.escape(str(price))} EUR</p>"
                for name, price in rows
            )
            return page("Product", body)

        return endpoint

    def items(safe: bool) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            category = request.query_params.get("category", "books")
            try:
                if safe:
                    rows = shop.query(
                        "SELECT name FROM products WHERE category = ? ORDER BY name", (category,)
                    )
                else:
                    rows = shop.query(
                        f"SELECT name FROM products WHERE category = '{category}' ORDER BY name"
                    )
            except sqlite3.Error:
                # Errors look exactly like an empty category: only booleans tell.
                rows = []
            if not rows:
                return page("Items", "<p>No items in this category.</p>")
            body = "".join(f"<li>{html.escape(str(name))}</li>" for (name,) in rows)
            return page("Items", f"<ul>{body}</ul>")

        return endpoint

    def login(safe: bool) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            fields = await body_fields(request)
            username, password = field(fields, "username"), field(fields, "password")
            try:
                if safe:
                    rows = shop.query(
                        "SELECT username FROM users WHERE username = ? AND password = ?",
                        (username, password),
                    )
                else:
                    rows = shop.query(
                        "SELECT username FROM users "
                        f"WHERE username = '{username}' AND password = '{password}'"
                    )
            except sqlite3.Error as error:
                return error_page(error)
            if not rows:
                return page("Sign in", "<p>Invalid user name or password.</p>", status=401)
            return page("Signed in", f"<p>Welcome back, {html.escape(str(rows[0][0]))}.</p>")

        return endpoint

    def visits(safe: bool) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            agent = request.headers.get("user-agent", "")
            try:
                if safe:
                    rows = shop.query("SELECT count FROM visits WHERE agent = ?", (agent,))
                else:
                    rows = shop.query(f"SELECT count FROM visits WHERE agent = '{agent}'")
            except sqlite3.Error as error:
                return error_page(error)
            count = rows[0][0] if rows else 0
            return page("Visits", f"<p>Browsers like yours visited {count} times.</p>")

        return endpoint

    def section(_: Request) -> Response:
        return page("SQL injection", SECTION)

    return [
        Route("/sqli/", section),
        Route("/sqli", lambda _: RedirectResponse("/sqli/")),
        Route("/sqli/product", product(safe=False)),
        Route("/sqli/product-safe", product(safe=True)),
        Route("/sqli/items", items(safe=False)),
        Route("/sqli/items-safe", items(safe=True)),
        Route("/sqli/login", login(safe=False), methods=["POST"]),
        Route("/sqli/login-safe", login(safe=True), methods=["POST"]),
        Route("/sqli/visits", visits(safe=False)),
        Route("/sqli/visits-safe", visits(safe=True)),
    ]

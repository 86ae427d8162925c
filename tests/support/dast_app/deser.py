"""Insecure deserialisation (CWE-502): a cart kept as a base64 pickle in a cookie and
loaded with ``pickle.loads``, and a settings form loaded with ``yaml.unsafe_load``. The
twins keep the cart as JSON and use ``yaml.safe_load``. Whatever was loaded is shown
(escaped), as a careless app echoes its state."""

from __future__ import annotations

import base64
import binascii
import html
import json
import pickle
from collections.abc import Awaitable, Callable

import yaml
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import body_fields, field, links, page

DEFAULT_CART = {"items": ["Garden trowel", "Watering can"]}

SECTION = (
    links([("/cart", "Your cart")])
    + """
<h2>Import settings (YAML)</h2>
<form action="/yaml/import" method="post" enctype="multipart/form-data">
<textarea name="config">theme: dark
page_size: 20</textarea><button>Import</button></form>
<form action="/yaml/import-safe" method="post" enctype="multipart/form-data">
<textarea name="config">theme: dark
page_size: 20</textarea><button>Import (safe)</button></form>
"""
)


def pickle_cookie(value: object) -> str:
    return base64.b64encode(pickle.dumps(value)).decode("ascii")


def json_cookie(value: object) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode("ascii")


def load_pickle(cookie: str) -> object:
    return pickle.loads(base64.b64decode(cookie))


def load_json(cookie: str) -> object:
    return json.loads(base64.b64decode(cookie))


def _describe(cart: object) -> str:
    if isinstance(cart, dict) and isinstance(cart.get("items"), list):
        rows = "".join(f"<li>{html.escape(str(item))}</li>" for item in cart["items"])
        return f"<ul class='cart'>{rows}</ul>"
    return f"<p>Cart: <code>{html.escape(repr(cart))}</code></p>"


def routes(state: AppState) -> list[BaseRoute]:
    del state  # the cart lives in the client's cookie

    def cart(_: Request) -> Response:
        response = page(
            "Your cart",
            links([("/cart/view", "Show my cart"), ("/cart/view-safe", "Show my cart (safe)")]),
        )
        # Every flag set: these cookies are safe for the passive cookie rules, and the
        # scanner must send them over plain HTTP anyway to reach the code behind them.
        for name, value in (
            ("cart", pickle_cookie(DEFAULT_CART)),
            ("cart_json", json_cookie(DEFAULT_CART)),
        ):
            response.set_cookie(
                name, value, path="/cart", secure=True, httponly=True, samesite="lax"
            )
        return response

    def view(name: str, load: Callable[[str], object]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            cookie = request.cookies.get(name)
            if not cookie:
                return page("Your cart", "<p>Your cart is empty.</p>")
            try:
                loaded = load(cookie)
            except (pickle.UnpicklingError, ValueError, binascii.Error, EOFError) as error:
                message = f"Could not restore your cart: {type(error).__name__}: {error}"
                return page("Your cart", f"<p>{html.escape(message)}</p>", status=400)
            except Exception as error:  # unpickling runs any code: report whatever it raised
                message = f"Could not restore your cart: {type(error).__name__}: {error}"
                return page("Your cart", f"<p>{html.escape(message)}</p>", status=500)
            return page("Your cart", _describe(loaded))

        return endpoint

    def yaml_import(load: Callable[[str], object]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            config = field(await body_fields(request), "config")
            try:
                loaded = await run_in_threadpool(load, config)
            except yaml.YAMLError as error:
                message = f"yaml.{type(error).__name__}: {error}"
                return page("Import", f"<pre>{html.escape(message)}</pre>", status=400)
            except Exception as error:  # an unsafe load runs any code: report what it raised
                message = f"{type(error).__name__}: {error}"
                return page("Import", f"<pre>{html.escape(message)}</pre>", status=500)
            return page("Imported", f"<pre>{html.escape(repr(loaded))}</pre>")

        return endpoint

    def section(_: Request) -> Response:
        return page("Deserialisation", SECTION)

    return [
        Route("/deser/", section),
        Route("/cart", cart),
        Route("/cart/view", view("cart", load_pickle)),
        Route("/cart/view-safe", view("cart_json", load_json)),
        Route("/yaml/import", yaml_import(yaml.unsafe_load), methods=["POST"]),
        Route("/yaml/import-safe", yaml_import(yaml.safe_load), methods=["POST"]),
    ]

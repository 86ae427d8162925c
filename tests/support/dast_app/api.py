"""A JSON API described only by ``/openapi.json`` (no page links to it): SQL injection in
a query parameter, a path segment and a header (``X-Api-Version``), template injection
and command injection in JSON bodies, each beside a safe twin."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.cmdi import run_command
from tests.support.dast_app.spa import BadJson, json_object
from tests.support.dast_app.sqli import sql_error
from tests.support.dast_app.ssti import RenderError, render_safe, render_unsafe
from tests.support.dast_app.state import AppState


def _query_op(summary: str, name: str, example: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "example": example,
            }
        ],
        "responses": {"200": {"description": "Matching products"}},
    }


def _path_op(summary: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [
            {
                "name": "user_id",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "example": "1",
            }
        ],
        "responses": {"200": {"description": "The user"}, "404": {"description": "No user"}},
    }


def _header_op(summary: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [
            {
                "name": "X-Api-Version",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "example": "2",
            }
        ],
        "responses": {"200": {"description": "Release notes of that version"}},
    }


def _body_op(summary: str, name: str, example: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": [name],
                        "properties": {name: {"type": "string"}},
                    },
                    "example": {name: example},
                }
            },
        },
        "responses": {"200": {"description": "The result"}},
    }


OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Example shop API", "version": "2.0.0"},
    "paths": {
        "/api/products": {"get": _query_op("Search products", "search", "trowel")},
        "/api/products-safe": {"get": _query_op("Search products (safe)", "search", "trowel")},
        "/api/users/{user_id}": {"get": _path_op("A user")},
        "/api/users-safe/{user_id}": {"get": _path_op("A user (safe)")},
        "/api/status": {"get": _header_op("Release notes")},
        "/api/status-safe": {"get": _header_op("Release notes (safe)")},
        "/api/render": {"post": _body_op("Render a message", "template", "Hello")},
        "/api/render-safe": {"post": _body_op("Render a message (safe)", "template", "Hello")},
        "/api/ping": {"post": _body_op("Ping a host", "host", "example.com")},
        "/api/ping-safe": {"post": _body_op("Ping a host (safe)", "host", "example.com")},
    },
}


def _rows_or_error(run: Callable[[], list[tuple[object, ...]]], keys: tuple[str, ...]) -> Response:
    try:
        rows = run()
    except sqlite3.Error as error:
        return JSONResponse({"error": sql_error(error)}, status_code=500)
    return JSONResponse({"results": [dict(zip(keys, row, strict=True)) for row in rows]})


def routes(state: AppState) -> list[BaseRoute]:
    shop = state.shop

    def products(safe: bool) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            search = request.query_params.get("search", "")
            params: tuple[object, ...]
            if safe:
                sql, params = "SELECT id, name FROM products WHERE name LIKE ?", (f"%{search}%",)
            else:
                sql, params = f"SELECT id, name FROM products WHERE name LIKE '%{search}%'", ()
            return _rows_or_error(lambda: shop.query(sql, params), ("id", "name"))

        return endpoint

    def user(safe: bool) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            user_id = str(request.path_params["user_id"])
            params: tuple[object, ...]
            if safe:
                sql, params = "SELECT id, username FROM users WHERE id = ?", (user_id,)
            else:
                sql, params = f"SELECT id, username FROM users WHERE id = {user_id}", ()
            return _rows_or_error(lambda: shop.query(sql, params), ("id", "username"))

        return endpoint

    def status(safe: bool) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            version = request.headers.get("x-api-version", "2")
            params: tuple[object, ...]
            if safe:
                sql, params = "SELECT notes FROM api_versions WHERE version = ?", (version,)
            else:
                sql, params = f"SELECT notes FROM api_versions WHERE version = '{version}'", ()
            return _rows_or_error(lambda: shop.query(sql, params), ("notes",))

        return endpoint

    def render(safe: bool) -> Callable[[Request], Awaitable[Response]]:
        renderer = render_safe if safe else render_unsafe

        async def endpoint(request: Request) -> Response:
            try:
                template = str((await json_object(request)).get("template", ""))
                output = await run_in_threadpool(renderer, "", template)
            except (BadJson, RenderError) as error:
                return JSONResponse({"error": str(error)}, status_code=400)
            return JSONResponse({"output": output})

        return endpoint

    def ping(safe: bool) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                host = str((await json_object(request)).get("host", ""))
            except BadJson as error:
                return JSONResponse({"error": str(error)}, status_code=400)
            command = ["echo", "Pinging", host] if safe else f"echo Pinging {host}"
            return JSONResponse({"output": await run_in_threadpool(run_command, command)})

        return endpoint

    def openapi(_: Request) -> Response:
        return JSONResponse(OPENAPI)

    return [
        Route("/openapi.json", openapi),
        Route("/api/products", products(safe=False)),
        Route("/api/products-safe", products(safe=True)),
        Route("/api/users/{user_id}", user(safe=False)),
        Route("/api/users-safe/{user_id}", user(safe=True)),
        Route("/api/status", status(safe=False)),
        Route("/api/status-safe", status(safe=True)),
        Route("/api/render", render(safe=False), methods=["POST"]),
        Route("/api/render-safe", render(safe=True), methods=["POST"]),
        Route("/api/ping", ping(safe=False), methods=["POST"]),
        Route("/api/ping-safe", ping(safe=True), methods=["POST"]),
    ]

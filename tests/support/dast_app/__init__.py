"""A deliberately vulnerable web app, the benchmark of bastion's app scanner.

Every vulnerability class the scanner knows has vulnerable pages and near-identical safe
twins, reached through every kind of insertion point: links, GET and POST forms
(urlencoded, multipart, hidden fields), parameter names, cookies, headers, JavaScript
requests with JSON and XML bodies, an OpenAPI-described JSON API and path segments.
``expected.py`` lists what a scan must find and what it must not.

Use it from a test module::

    from tests.support.dast_app import dast_app_url  # noqa: F401 - pytest fixture

    def test_scan(dast_app_url: str) -> None:  # "http://127.0.0.1:<port>"
        ...

``dast_app_url`` is session-scoped: one server for the whole run. Tests that need a
fresh app (empty guestbooks) use ``with start_dast_app() as url:`` instead. The API
endpoints are linked from nowhere: pass ``f"{url}/openapi.json"`` as the OpenAPI
definition. The app needs no network, keeps everything in memory (SQLite ``:memory:``,
a temporary data directory) and survives a full scan: the SQL connection is query-only,
the guestbooks are bounded, commands and queries have time limits.
"""

from __future__ import annotations

from tests.support.dast_app.server import dast_app_url, start_dast_app

__all__ = ["dast_app_url", "start_dast_app"]

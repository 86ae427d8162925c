"""LDAP injection (CWE-90): the user name is pasted into a search filter, so ``*``
matches everyone and a stray parenthesis makes the directory reject the filter, whose
message the page shows. The safe twin escapes the value as RFC 4515 says."""

from __future__ import annotations

import html
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.support.dast_app.directory import DirectoryError, Person, escape
from tests.support.dast_app.state import AppState
from tests.support.dast_app.web import links, page

SECTION = links(
    [
        ("/ldap/people?user=alice", "Find alice in the directory"),
        ("/ldap/people-safe?user=alice", "Find alice in the directory (safe)"),
    ]
)


def people_html(people: list[Person]) -> str:
    if not people:
        return "<p>Nobody found.</p>"
    rows = "".join(
        f"<li>{html.escape(person.cn)} ({html.escape(person.uid)}, "
        f"{html.escape(person.department)})</li>"
        for person in people
    )
    return f"<ul class='people'>{rows}</ul>"


def routes(state: AppState) -> list[BaseRoute]:
    def people(encode: Callable[[str], str]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            user = request.query_params.get("user", "")
            try:
                found = state.directory.search(f"(&(uid={encode(user)})(objectClass=person))")
            except DirectoryError as error:
                return page("Directory error", f"<pre>{html.escape(str(error))}</pre>", status=500)
            return page("People", people_html(found))

        return endpoint

    def section(_: Request) -> Response:
        return page("Directory", SECTION)

    return [
        Route("/ldap/", section),
        Route("/ldap", lambda _: RedirectResponse("/ldap/")),
        Route("/ldap/people", people(lambda value: value)),
        Route("/ldap/people-safe", people(escape)),
    ]

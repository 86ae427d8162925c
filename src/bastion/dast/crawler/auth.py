"""Logging in through the application's own login form before the crawl.

Static credentials (headers, cookies) need nothing here: the client sends them with every
request. A login form is fetched, filled like a person would (the form's hidden fields,
CSRF tokens included, keep their values) and submitted; the session cookies it sets land
in the crawl's cookie jar.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bastion.dast.crawler.forms import form_requests
from bastion.dast.crawler.html import Form, FormControl, parse_page
from bastion.dast.crawler.session import Session
from bastion.dast.model import HttpRequest, HttpResponse
from bastion.dast.options import LoginForm

logger = logging.getLogger(__name__)

_TEXT_KINDS = frozenset({"text", "email", "tel", "search"})
_USERNAME_NAMES = re.compile(r"user|login|e-?mail|account|ident|name", re.IGNORECASE)
_HTML = frozenset({"text/html", "application/xhtml+xml", ""})


@dataclass(frozen=True, slots=True)
class LoginResult:
    ok: bool
    notes: tuple[str, ...] = ()
    # The final page after submitting (what the login redirected to), for the crawler.
    landing: str | None = None


async def login(settings: LoginForm, session: Session) -> LoginResult:
    """Submit the login form at ``settings.url``. Judges failure conservatively: no
    password form to fill, an error status, or the login form coming back. Raises only
    what the client raises (ClientStopped, TargetError)."""
    page = await session.fetch(HttpRequest("GET", settings.url))
    if page.response.status >= 400:
        return _failed(f"the login page {settings.url} answered HTTP {page.response.status}")
    form = _login_form(_forms(page.response), settings.password_field)
    if form is None:
        return _failed(f"no form with a password field at {page.request.url}")
    username_field = settings.username_field or _guess_username(form)
    password_field = settings.password_field or next(
        control.name for control in form.controls if control.kind == "password"
    )
    values = {password_field: settings.password}
    if username_field is not None:
        values[username_field] = settings.username
    request = form_requests(form, values=values)[0]
    result = await session.fetch(request)
    landing = result.request.url
    if result.problem:
        return _failed(f"submitting the login form: {result.problem}")
    status = result.response.status
    if status >= 400:
        return _failed(f"the login form answered HTTP {status}; login probably failed")
    if _login_form(_forms(result.response), settings.password_field) is not None:
        return _failed(
            "the login form came back after submitting it; login probably failed"
            " (check the credentials and the username/password field names)"
        )
    logger.info("logged in at %s, landed on %s", settings.url, landing)
    return LoginResult(ok=True, landing=landing)


def _forms(response: HttpResponse) -> tuple[Form, ...]:
    if response.content_type not in _HTML:
        return ()
    return parse_page(response.text, response.url).forms


def _login_form(forms: tuple[Form, ...], password_field: str | None) -> Form | None:
    for form in forms:
        if password_field is not None:
            if any(control.name == password_field for control in form.controls):
                return form
        elif form.has_password:
            return form
    return None


def _guess_username(form: Form) -> str | None:
    """The text field whose name says user/login/email, else the first text field."""
    candidates: list[FormControl] = [c for c in form.controls if c.kind in _TEXT_KINDS]
    for control in candidates:
        if _USERNAME_NAMES.search(control.name):
            return control.name
    return candidates[0].name if candidates else None


def _failed(reason: str) -> LoginResult:
    logger.warning("login: %s", reason)
    return LoginResult(ok=False, notes=(f"login: {reason}",))

"""Who is calling: an account API token in ``api-token`` or ``Authorization: Bearer``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from bastion.accounts.service import find_valid_token, last_use_is_stale, touch_token
from bastion.db.models.accounts import Account
from bastion.db.session import read_session, write_session
from bastion.server.errors import Unauthorized
from bastion.server.state import AppState, StateDep


def presented_token(request: Request) -> str | None:
    token = request.headers.get("api-token")
    if token:
        return token.strip()
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def current_account(request: Request, state: StateDep) -> Account | None:
    """The caller's account; None for an anonymous call where those are allowed.

    A token that is presented but invalid is refused even when anonymous calls are
    allowed: the caller meant to authenticate, and silently ignoring a revoked token
    would hide the mistake.
    """
    token = presented_token(request)
    if token is None:
        if state.settings.allow_anonymous_api:
            return None
        raise Unauthorized("An API token is required (api-token header or Authorization: Bearer)")
    found = valid_token(state, token)
    if found is None:
        raise Unauthorized("Invalid, expired or revoked API token")
    return found[1]


def valid_token(state: AppState, token: str) -> tuple[uuid.UUID, Account] | None:
    """The token's id and account when the token is valid now, else None."""
    now = state.clock()
    # A read first: a write transaction per request would serialise every API call on
    # SQLite's write lock, and last_used_at only needs writing about once a minute.
    with read_session(state.engine) as session:
        found = find_valid_token(session, token, now)
        if found is None:
            return None
        row, account = found
        session.expunge(account)
    if last_use_is_stale(row, now):
        with write_session(state.engine) as session:
            touch_token(session, row.id, now)
    return row.id, account


CurrentAccount = Annotated[Account | None, Depends(current_account)]

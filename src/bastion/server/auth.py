"""Who is calling: an account API token in ``api-token`` or ``Authorization: Bearer``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bastion.accounts.service import authenticate
from bastion.db.models.accounts import Account
from bastion.db.session import write_session
from bastion.server.errors import Unauthorized
from bastion.server.state import StateDep


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
    # A write session: authenticate() records when the token was last used.
    with write_session(state.engine) as session:
        account = authenticate(session, token, state.clock())
        if account is None:
            raise Unauthorized("Invalid, expired or revoked API token")
        session.expunge(account)
    return account


CurrentAccount = Annotated[Account | None, Depends(current_account)]

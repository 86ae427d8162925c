"""Accounts and their API tokens: issue, authenticate, revoke."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bastion.accounts import tokens
from bastion.db.models.accounts import Account, ApiToken

# Writing last_used_at on every request would turn each authenticated read into a write;
# a minute's precision is plenty to tell which tokens are in use.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: uuid.UUID
    # The only time the token exists in clear: show it to the user once.
    token: str
    prefix: str


def create_account(
    session: Session, name: str, now: datetime, *, email: str | None = None
) -> Account:
    account = Account(id=uuid.uuid4(), name=name, email=email, created_at=now)
    session.add(account)
    session.flush()
    return account


def issue_token(
    session: Session,
    account_id: uuid.UUID,
    name: str,
    now: datetime,
    *,
    expires_at: datetime | None = None,
) -> IssuedToken:
    new = tokens.generate()
    row = ApiToken(
        id=uuid.uuid4(),
        account_id=account_id,
        name=name,
        prefix=new.prefix,
        token_hash=new.token_hash,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return IssuedToken(row.id, new.token, new.prefix)


def authenticate(session: Session, token: str, now: datetime) -> Account | None:
    """The account a presented token belongs to, if the token is valid now."""
    found = find_valid_token(session, token, now)
    if found is None:
        return None
    row, account = found
    if last_use_is_stale(row, now):
        touch_token(session, row.id, now)
    return account


def find_valid_token(
    session: Session, token: str, now: datetime
) -> tuple[ApiToken, Account] | None:
    """The token's row and account if the token is valid now; reads only."""
    prefix = tokens.parse_prefix(token)
    if prefix is None:
        return None
    found = session.execute(
        select(ApiToken, Account)
        .join(Account, Account.id == ApiToken.account_id)
        .where(ApiToken.prefix == prefix)
    ).one_or_none()
    if found is None:
        return None
    row, account = found
    if not tokens.matches(token, row.token_hash):
        return None
    if row.revoked_at is not None or account.disabled_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    return row, account


def last_use_is_stale(row: ApiToken, now: datetime) -> bool:
    return row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION


def touch_token(session: Session, token_id: uuid.UUID, now: datetime) -> None:
    """Record a use of the token, unless one within the precision already was."""
    # Conditional: of concurrent requests that all saw a stale time, one writes.
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at <= now - LAST_USED_PRECISION,
            ),
        )
        .values(last_used_at=now)
    )


def revoke_token(session: Session, token_id: uuid.UUID, now: datetime) -> bool:
    """Revoke a token; False if it does not exist or was already revoked."""
    revoked = session.scalars(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(ApiToken.id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    return revoked is not None


def list_tokens(session: Session, account_id: uuid.UUID) -> Sequence[ApiToken]:
    return session.scalars(
        select(ApiToken).where(ApiToken.account_id == account_id).order_by(ApiToken.created_at)
    ).all()


def find_account(session: Session, name: str) -> Account | None:
    return session.scalars(select(Account).where(Account.name == name)).one_or_none()


def find_account_by_email(session: Session, email: str) -> Account | None:
    # Emails are stored lower-cased: the domain is case-insensitive, and no mail system
    # in use tells local parts apart by case, so one person is one account.
    key = email.strip().lower()
    return session.scalars(select(Account).where(Account.email == key)).one_or_none()


def revoke_token_by_prefix(session: Session, prefix: str, now: datetime) -> bool:
    """Revoke the token whose public prefix is ``prefix`` (``bst_`` and anything after
    the prefix are ignored, so a whole token works too); False if none is active."""
    bare = prefix.strip().removeprefix(tokens.TOKEN_PREFIX).split("_", 1)[0]
    token_id = session.scalars(select(ApiToken.id).where(ApiToken.prefix == bare)).one_or_none()
    return token_id is not None and revoke_token(session, token_id, now)

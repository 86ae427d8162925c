"""People's accounts: identified by email, given roles in organisations, holding tokens.

Service accounts (``bastion tokens create ci``) are accounts too, with a name and no
email; everything here finds people by email.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.accounts.service import create_account, find_account, find_account_by_email
from bastion.db.models.accounts import Account
from bastion.orgs.errors import InvalidAccountName, InvalidEmail, UnknownUser, UserExists

# RFC 5321's limits: 64 for the local part, 254 for the whole path a server accepts.
MAX_LOCAL_PART = 64
MAX_EMAIL = 254
MAX_ACCOUNT_NAME = 100  # the accounts.name column
# RFC 5322's dot-atom: what addresses are written with in practice. Quoted local parts
# and address literals (user@[10.0.0.1]) are legal but unheard of for a login.
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def parse_email(value: str) -> str:
    """The address, trimmed and lower-cased; raises :class:`InvalidEmail` saying why."""
    email = value.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local:
        raise InvalidEmail(f"{email!r} is not an email address (expected name@domain)")
    if len(email) > MAX_EMAIL or len(local) > MAX_LOCAL_PART:
        raise InvalidEmail(f"{email!r} is too long for an email address")
    if not _LOCAL_PART.match(local):
        raise InvalidEmail(f"{email!r}: invalid characters before the @")
    labels = domain.split(".")
    # A domain with one label (user@localhost) is almost always a typo for a real one.
    if (
        len(labels) < 2
        or not all(_DOMAIN_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidEmail(f"{email!r}: invalid domain {domain!r}")
    return email.lower()


def check_account_name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > MAX_ACCOUNT_NAME or not name.isprintable():
        raise InvalidAccountName(
            f"Account names are 1 to {MAX_ACCOUNT_NAME} printable characters, not {value!r}"
        )
    return name


def create_user(session: Session, email: str, now: datetime, *, name: str | None = None) -> Account:
    """A new account for a person; its name is the email unless one is given."""
    email = parse_email(email)
    name = check_account_name(email if name is None else name)
    if find_account_by_email(session, email) is not None:
        raise UserExists(f"A user with email {email!r} already exists")
    if find_account(session, name) is not None:
        raise UserExists(f"An account named {name!r} already exists: choose another name")
    return create_account(session, name, now, email=email)


def require_user(session: Session, email: str) -> Account:
    account = find_account_by_email(session, parse_email(email))
    if account is None:
        raise UnknownUser(f"No user with email {email.strip()!r}")
    return account


def list_accounts(session: Session) -> list[Account]:
    """Every account, people and service accounts alike, by name."""
    return sorted(session.scalars(select(Account)), key=lambda account: by_name(account.name))


def by_name(name: str) -> tuple[str, str]:
    """A sort key the same on every database: collations differ (PostgreSQL's usually
    ignores punctuation and case, SQLite's compares bytes), so lists are sorted here."""
    return name.casefold(), name


def set_disabled(session: Session, email: str, disabled_at: datetime | None) -> Account:
    """Disable the user (its tokens stop working at once) or, with None, enable it again.

    Disabling keeps the first time it happened, so repeating it changes nothing.
    """
    account = require_user(session, email)
    if disabled_at is None or account.disabled_at is None:
        account.disabled_at = disabled_at
        session.flush()
    return account

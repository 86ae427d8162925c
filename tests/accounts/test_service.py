"""API tokens: stored hashed, found by prefix, refused once revoked or expired."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from bastion.accounts import service, tokens
from bastion.db.models.accounts import Account, ApiToken
from bastion.db.session import read_session, write_session
from tests.support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def account(db_engine: Engine, clock: FakeClock) -> Account:
    with write_session(db_engine) as session:
        return service.create_account(session, "alice", clock(), email="alice@example.com")


def _issue(
    engine: Engine, account: Account, clock: FakeClock, *, expires_at: datetime | None = None
) -> service.IssuedToken:
    with write_session(engine) as session:
        return service.issue_token(session, account.id, "ci", clock(), expires_at=expires_at)


def _authenticate(engine: Engine, token: str, clock: FakeClock) -> Account | None:
    with write_session(engine) as session:
        return service.authenticate(session, token, clock())


def test_token_format_and_hash() -> None:
    new = tokens.generate()
    assert new.token.startswith(f"bst_{new.prefix}_")
    assert tokens.parse_prefix(new.token) == new.prefix
    assert new.token_hash == hashlib.sha256(new.token.encode()).hexdigest()
    assert tokens.matches(new.token, new.token_hash)
    assert not tokens.matches(new.token + "x", new.token_hash)
    assert tokens.generate().token != new.token


@pytest.mark.parametrize("token", ["", "bst_", "bst_abcdefgh_short", "ghp_" + "a" * 40])
def test_malformed_tokens_have_no_prefix(token: str) -> None:
    assert tokens.parse_prefix(token) is None


def test_only_the_hash_is_stored(db_engine: Engine, account: Account, clock: FakeClock) -> None:
    issued = _issue(db_engine, account, clock)
    with read_session(db_engine) as session:
        row = session.scalars(select(ApiToken)).one()
        stored = [str(getattr(row, c.key)) for c in ApiToken.__table__.columns]
    assert row.prefix == issued.prefix
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert not any(issued.token in value for value in stored)
    secret = issued.token.rsplit("_", 1)[1]
    assert not any(secret in value for value in stored)


def test_authenticate_and_record_use(db_engine: Engine, account: Account, clock: FakeClock) -> None:
    issued = _issue(db_engine, account, clock)
    found = _authenticate(db_engine, issued.token, clock)
    assert found is not None
    assert found.id == account.id
    with read_session(db_engine) as session:
        assert session.scalars(select(ApiToken.last_used_at)).one() == clock()


def test_right_prefix_wrong_secret_is_refused(
    db_engine: Engine, account: Account, clock: FakeClock
) -> None:
    issued = _issue(db_engine, account, clock)
    forged = f"bst_{issued.prefix}_{'A' * 43}"
    assert tokens.parse_prefix(forged) == issued.prefix
    assert _authenticate(db_engine, forged, clock) is None


def test_revoked_token_is_refused(db_engine: Engine, account: Account, clock: FakeClock) -> None:
    issued = _issue(db_engine, account, clock)
    other = _issue(db_engine, account, clock)
    with write_session(db_engine) as session:
        assert service.revoke_token(session, issued.id, clock())
        assert not service.revoke_token(session, issued.id, clock())
    assert _authenticate(db_engine, issued.token, clock) is None
    assert _authenticate(db_engine, other.token, clock) is not None


def test_expired_token_and_disabled_account_are_refused(
    db_engine: Engine, account: Account, clock: FakeClock
) -> None:
    expiring = _issue(db_engine, account, clock, expires_at=clock() + timedelta(days=1))
    assert _authenticate(db_engine, expiring.token, clock) is not None
    clock.advance(timedelta(days=1).total_seconds())
    assert _authenticate(db_engine, expiring.token, clock) is None

    lasting = _issue(db_engine, account, clock)
    with write_session(db_engine) as session:
        row = session.get(Account, account.id)
        assert row is not None
        row.disabled_at = clock()
    assert _authenticate(db_engine, lasting.token, clock) is None


def test_token_list(db_engine: Engine, account: Account, clock: FakeClock) -> None:
    _issue(db_engine, account, clock)
    clock.advance(1)
    _issue(db_engine, account, clock)
    with read_session(db_engine) as session:
        assert len(service.list_tokens(session, account.id)) == 2
